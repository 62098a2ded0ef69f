import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawEvent } from '../../src/domain/usage/rawEventInput';
import { ingestRawEvents } from '../../src/services/ingestRawEvents';
import { applyMeteredCatalog } from '../support/meteredCatalog';
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
});
