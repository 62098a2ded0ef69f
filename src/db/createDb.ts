import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Database } from './database';
import { guardPoolClients } from './guardPoolClients';
import { registerPool } from './preparedQuery';
import { prepareMarkedStatements } from './preparedStatements';

export type Db = Kysely<Database>;
export type DbOrTransaction = Kysely<Database> | Transaction<Database>;

// int8 and numeric arrive as strings by default. Numbers are exact here: amounts and limits are checked to be safe
// integers at the edge, and int8 ids come from sequences that would take centuries to pass 2^53 (database.ts types them number).
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

export const DEFAULT_DATABASE_TIMEOUTS = { connectMs: 5_000, statementMs: 5_000 };

export type CreateDbOptions = {
  maxConnections?: number;
  // connectMs bounds opening a connection and waiting for a free one; statementMs bounds each statement.
  timeouts?: { connectMs: number; statementMs: number };
  // Told about connections that fail while idle (already dropped from the pool): logged, never fatal.
  onConnectionError?: (error: Error) => void;
};

export function createDb(connectionString: string, options: CreateDbOptions = {}): Db {
  const { connectMs, statementMs } = options.timeouts ?? DEFAULT_DATABASE_TIMEOUTS;
  const pool = new pg.Pool({
    connectionString,
    max: options.maxConnections ?? 10,
    // In pg-pool this bounds both a new connection and the wait for a free client when all are busy.
    connectionTimeoutMillis: connectMs,
    // Postgres cancels a slow statement itself (57014) and the connection stays usable...
    statement_timeout: statementMs,
    // ...and a server that does not answer at all (frozen, partitioned) is given up on a second later.
    query_timeout: statementMs + 1_000,
    // Backstop: a transaction left open by a stuck process must not hold its locks (the catalog's advisory lock) for ever.
    idle_in_transaction_session_timeout: Math.max(statementMs * 2, 60_000),
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  guardPoolClients(pool, options.onConnectionError ?? (() => undefined));
  pool.on('connect', prepareMarkedStatements);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  registerPool(db, pool);
  return db;
}

// What the API, the worker and `npm start` open their pool with: the configured bounds, lost connections logged.
export function databaseOptions(config: Pick<Config, 'databaseTimeouts'>, logger: Logger): CreateDbOptions {
  return {
    timeouts: config.databaseTimeouts,
    onConnectionError: (error) => logger.warn({ err: error }, 'an idle database connection was lost; the pool opens a new one when needed'),
  };
}
