import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbOrTransaction } from '../../src/db/createDb';
import { PREPARED } from '../../src/db/preparedStatements';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

// Hot statements marked PREPARED are parsed and planned once per connection (a named prepared statement), in and
// out of transactions; other statements stay unnamed.
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.drop());

const preparedOnThisConnection = (db: DbOrTransaction) =>
  sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(db).then((r) => r.rows);

describe('prepared statements', () => {
  it('sends a marked statement named, once per connection, with its values as parameters', async () => {
    await database.db.connection().execute(async (connection) => {
      for (const value of [1, 2, 3]) {
        const { rows } = await sql<{ doubled: number }>`${sql.raw(PREPARED)} select ${value}::int * 2 as doubled`.execute(connection);
        expect(rows[0]!.doubled).toBe(value * 2);
      }
      await sql`select 1 as unmarked`.execute(connection);
      const prepared = await preparedOnThisConnection(connection);
      expect(prepared.filter((p) => p.statement.startsWith(PREPARED))).toHaveLength(1);
      expect(prepared.some((p) => p.statement.includes('unmarked'))).toBe(false);
    });
  });

  it('does so inside a transaction too, and the transaction still commits or rolls back as one', async () => {
    await sql`create table prepared_probe (value int)`.execute(database.db);
    await expect(
      database.db.transaction().execute(async (trx) => {
        await sql`${sql.raw(PREPARED)} insert into prepared_probe (value) values (${1}::int)`.execute(trx);
        const prepared = await preparedOnThisConnection(trx);
        expect(prepared.some((p) => p.statement.includes('prepared_probe'))).toBe(true);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(Number((await sql<{ n: string }>`select count(*) as n from prepared_probe`.execute(database.db)).rows[0]!.n)).toBe(0);
  });
});
