import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startStripeSandbox, type StripeSandbox } from '../../src/sandbox/server';
import { WebhookDispatcher } from '../../src/sandbox/webhooks';

// `npm start` runs its sandbox for days: what it keeps in memory must not grow with every request.
describe('a long-running Stripe sandbox', () => {
  let sandbox: StripeSandbox | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

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

  it('forgets events after 30 days, like Stripe', async () => {
    let now = Date.UTC(2026, 0, 1);
    sandbox = await startStripeSandbox({ now: () => now });
    const stripe = sandbox.client();
    const customer = await stripe.customers.create({});
    await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    now += 29 * 86_400_000;
    await stripe.paymentMethods.attach('pm_card_mastercard', { customer: customer.id });
    expect((await stripe.events.list()).data).toHaveLength(2);
    now += 2 * 86_400_000;
    expect((await stripe.events.list()).data.map((e) => (e.data.object as { card: { brand: string } }).card.brand)).toEqual(['mastercard']);
  });

  it('keeps only the latest webhook deliveries for inspection (1000 by default), delivering every one', async () => {
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => (received.push((JSON.parse(body) as { id: string }).id), res.end()));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
    const dispatcher = new WebhookDispatcher([{ url, secret: 'whsec_x' }], { keepDeliveries: 3 });
    try {
      for (let i = 0; i < 5; i += 1) dispatcher.enqueue({ id: `evt_${i}`, object: 'event', type: 'test', created: 0, livemode: false });
      await dispatcher.settle();
      expect(dispatcher.deliveries.map((d) => [d.eventId, d.state])).toEqual([['evt_2', 'delivered'], ['evt_3', 'delivered'], ['evt_4', 'delivered']]);
      expect(received).toEqual(['evt_0', 'evt_1', 'evt_2', 'evt_3', 'evt_4']);
    } finally {
      dispatcher.close();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});
