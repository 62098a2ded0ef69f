import { sql } from 'kysely';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockCustomerMetering } from '../../src/db/repositories/meteredCounters.repository';
import type { RawEvent } from '../../src/domain/usage/rawEventInput';
import { ingestRawEvents } from '../../src/services/ingestRawEvents';
import { applyMeteredCatalog, giveUsagePeriod } from '../support/meteredCatalog';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { createTestEnvironment } from '../support/testEnvironment';

let database: TestDatabase;
beforeAll(async () => void (database = await createTestDatabase()));
afterAll(async () => database.drop());

describe('concurrent raw event batches', () => {
  it('sharing events in opposite orders, they never deadlock: rows are locked in one fixed order', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    await applyMeteredCatalog(database.db, environmentId, [
      { featureId: 'calls', eventName: 'call', filters: [], aggregation: { function: 'COUNT' } },
      { featureId: 'users', eventName: 'call', filters: [], aggregation: { function: 'UNIQUE', field: 'user' } },
    ]);
    const shared: RawEvent[] = Array.from({ length: 2_000 }, (_, i) => ({
      customerId: `customer-${i % 50}`,
      resourceKey: '',
      eventName: 'call',
      idempotencyKey: `shared-${i}`,
      dimensions: { user: `user-${i % 300}` },
      timestamp: new Date('2026-11-27T10:00:00.000Z'),
    }));
    // Straight to the service, several at once: nothing in front of the transactions serialises them.
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => ingestRawEvents(database.db, environmentId, i % 2 === 0 ? shared : [...shared].reverse())));
    expect(results.reduce((sum, result) => sum + result.accepted, 0)).toBe(2_000);
    const counters = await database.db.selectFrom('usage_counters').select(['feature_id', 'value']).where('environment_id', '=', environmentId).execute();
    const total = (featureId: string) => counters.filter((c) => c.feature_id === featureId).reduce((sum, c) => sum + c.value, 0);
    // 50 customers: customer c sees users whose number ≡ c (mod 50) in [0, 300), i.e. 6 each.
    expect({ calls: total('calls'), users: total('users') }).toEqual({ calls: 2_000, users: 300 });
  });

  it('a batch arriving while a customer\'s usage period changes waits, then counts in the new period', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    await applyMeteredCatalog(database.db, environmentId, [{ featureId: 'calls', eventName: 'call', filters: [], aggregation: { function: 'COUNT' } }]);
    const anchor = new Date('2026-11-01T00:00:00.000Z');
    const at = new Date('2026-11-27T10:00:00.000Z');
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    // The change of period: it takes the customer's metering lock, writes the entitlement, and commits when told.
    const periodChange = database.db.transaction().execute(async (trx) => {
      await lockCustomerMetering(trx, environmentId, 'customer-1');
      await giveUsagePeriod(trx, environmentId, 'customer-1', 'calls', 'MONTH', anchor);
      locked();
      await released;
    });
    await lockTaken;
    const batch = ingestRawEvents(database.db, environmentId, [{ customerId: 'customer-1', resourceKey: '', eventName: 'call', idempotencyKey: 'k1', dimensions: {}, timestamp: at }]);
    // Until the batch waits on the lock (bounded, so a batch that does not wait fails below instead of hanging here).
    for (let attempt = 0; attempt < 100; attempt++) {
      const waiting = await sql<{ count: number }>`select count(*)::int as count from pg_locks where locktype = 'advisory' and not granted`.execute(database.db);
      if (waiting.rows[0]!.count > 0) break;
      await sleep(50);
    }
    release();
    await periodChange;
    await batch;
    const counters = await database.db.selectFrom('usage_counters').select(['period_start', 'value']).where('environment_id', '=', environmentId).execute();
    expect(counters).toEqual([{ period_start: anchor, value: 1 }]);
  });
});
