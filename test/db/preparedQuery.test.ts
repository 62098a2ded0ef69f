import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/createDb';
import { counterValue } from '../../src/db/repositories/usageCounters.repository';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { createTestEnvironment } from '../support/testEnvironment';

// The metered check's counter read runs as a named prepared statement on the pool's connections, and through the
// transaction's own connection inside one.
let database: TestDatabase;
let oneConnection: Db;
let environmentId: string;
const period = { start: new Date('2026-11-01T00:00:00.000Z'), end: new Date('2026-12-01T00:00:00.000Z') };

beforeAll(async () => {
  database = await createTestDatabase();
  ({ environmentId } = await createTestEnvironment(database.db));
  // One connection, so the statement that lists prepared statements runs where the read ran.
  oneConnection = createDb(database.url, { maxConnections: 1 });
});
afterAll(async () => {
  await oneConnection?.destroy();
  await database?.drop();
});

describe('counterValue', () => {
  it('reads a counter as a named prepared statement, parsed once per connection', async () => {
    const key = { environmentId, customerId: 'prepared-1', resourceKey: '', featureId: 'feature-a' };
    expect(await counterValue(oneConnection, key, period)).toBe(0);
    await database.db.insertInto('usage_counters').values({ environment_id: environmentId, customer_id: 'prepared-1', resource_key: '', feature_id: 'feature-a', period_start: period.start, period_end: period.end, value: 42 }).execute();
    expect(await counterValue(oneConnection, key, period)).toBe(42);
    const prepared = await sql<{ name: string }>`select name from pg_prepared_statements`.execute(oneConnection);
    expect(prepared.rows.map((row) => row.name)).toEqual(['usage_counter_value']);
  });

  it('inside a transaction reads what the transaction wrote', async () => {
    const key = { environmentId, customerId: 'prepared-1', resourceKey: '', featureId: 'feature-b' };
    const seen = await oneConnection.transaction().execute(async (trx) => {
      await trx.insertInto('usage_counters').values({ environment_id: environmentId, customer_id: 'prepared-1', resource_key: '', feature_id: 'feature-b', period_start: period.start, period_end: period.end, value: 7 }).execute();
      return counterValue(trx, key, period);
    });
    expect(seen).toBe(7);
  });
});
