import { CompiledQuery } from 'kysely';
import type pg from 'pg';
import type { DbOrTransaction } from './createDb';

// The pg pool under each Db that createDb opened, for statements the hot path runs as named prepared statements.
const pools = new WeakMap<object, pg.Pool>();

export function registerPool(db: object, pool: pg.Pool): void {
  pools.set(db, pool);
}

// A hot-path statement, sent as a named prepared statement: each connection parses and plans it once, and no query
// builder compiles it per request. A transaction (or a Db not opened by createDb) runs it through Kysely instead.
export async function preparedQuery<Row>(db: DbOrTransaction, name: string, text: string, values: unknown[]): Promise<Row[]> {
  const pool = pools.get(db);
  if (pool) return (await pool.query({ name, text, values })).rows as Row[];
  return (await db.executeQuery<Row>(CompiledQuery.raw(text, values))).rows;
}
