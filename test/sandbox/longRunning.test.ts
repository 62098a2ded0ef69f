import { afterEach, describe, expect, it } from 'vitest';
import { startStripeSandbox, type StripeSandbox } from '../../src/sandbox/server';

// `npm start` runs its sandbox for days: what it keeps in memory must not grow with every request.
describe('a long-running Stripe sandbox', () => {
  let sandbox: StripeSandbox | undefined;
  afterEach(async () => sandbox?.close());

  it('forgets an idempotency key 24 hours after its first use, like Stripe', async () => {
    let now = Date.UTC(2026, 0, 1);
    sandbox = await startStripeSandbox({ now: () => now });
    const first = await sandbox.client().customers.create({ name: 'Kept a day' }, { idempotencyKey: 'day-key' });
    now += 23 * 60 * 60 * 1000;
    expect((await sandbox.client().customers.create({ name: 'Kept a day' }, { idempotencyKey: 'day-key' })).id).toBe(first.id);
    now += 2 * 60 * 60 * 1000;
    expect((await sandbox.client().customers.create({ name: 'Kept a day' }, { idempotencyKey: 'day-key' })).id).not.toBe(first.id);
  });

  it('keeps no request log when told not to', async () => {
    sandbox = await startStripeSandbox({ recordRequests: false });
    await sandbox.client().customers.create({ name: 'Unlogged' });
    expect(sandbox.requests).toEqual([]);
    expect(sandbox.state.customers.size).toBe(1);
  });
});
