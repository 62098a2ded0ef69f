import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDb, type Db } from '../../src/db/createDb';
import { readCounterValue } from '../../src/db/repositories/counterReads';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { createTestEnvironment } from '../support/testEnvironment';

// The metered check's counter reads: one named prepared statement for the reads asked for in one turn of the event
// loop, and never an answer older than the read.
let database: TestDatabase;
let oneConnection: Db;
let environmentId: string;
const period = { start: new Date('2026-11-01T00:00:00.000Z'), end: new Date('2026-12-01T00:00:00.000Z') };
const keyOf = (customerId: string) => ({ environmentId, customerId, resourceKey: '', featureId: 'feature-a' });
const addUsage = (customerId: string, value: number) =>
  sql`insert into usage_counters (environment_id, customer_id, resource_key, feature_id, period_start, period_end, value)
    values (${environmentId}, ${customerId}, '', 'feature-a', ${period.start}, ${period.end}, ${value})
    on conflict (environment_id, customer_id, resource_key, feature_id, period_start) do update set value = usage_counters.value + excluded.value`.execute(database.db);

beforeAll(async () => {
  database = await createTestDatabase();
  ({ environmentId } = await createTestEnvironment(database.db));
  // One connection: the statement listing prepared statements runs where the reads ran, and one statement can hold it.
  oneConnection = createDb(database.url, { maxConnections: 1 });
});
afterAll(async () => {
  await oneConnection?.destroy();
  await database?.drop();
});

describe('readCounterValue', () => {
  it('answers the reads of one turn with one prepared statement, 0 for a counter without usage', async () => {
    for (let index = 0; index < 10; index++) await addUsage(`batch-${index}`, index + 1);
    const sent = vi.spyOn(pg.Pool.prototype, 'query');
    try {
      const values = await Promise.all(Array.from({ length: 20 }, (_, index) => readCounterValue(oneConnection, keyOf(`batch-${index}`), period)));
      expect(values).toEqual([...Array.from({ length: 10 }, (_, index) => index + 1), ...Array.from({ length: 10 }, () => 0)]);
      expect(sent).toHaveBeenCalledTimes(1);
      expect(sent.mock.calls[0]![0]).toMatchObject({ name: 'usage_counter_values' });
    } finally {
      sent.mockRestore();
    }
    const prepared = await sql<{ name: string }>`select name from pg_prepared_statements`.execute(oneConnection);
    expect(prepared.rows.map((row) => row.name)).toEqual(['usage_counter_values']);
  });

  it('never answers a read with a statement sent before it was asked for', async () => {
    await addUsage('fresh', 1);
    // The only connection is busy, so the first read's statement waits in the pool while the usage is added.
    const busy = sql`select pg_sleep(0.3)`.execute(oneConnection);
    const first = readCounterValue(oneConnection, keyOf('fresh'), period);
    await new Promise((done) => setImmediate(done));
    await addUsage('fresh', 5);
    const second = readCounterValue(oneConnection, keyOf('fresh'), period);
    await busy;
    expect([1, 6]).toContain(await first);
    expect(await second).toBe(6);
  });
});
