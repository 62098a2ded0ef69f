import { mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Config } from '../config';
import { createDb, type Db } from '../db/createDb';
import { migrateToLatest } from '../db/migrate';
import { claimDataDir, dataDirOwner } from '../infra/dataDirLock';
import { startEmbeddedPostgres } from '../infra/embeddedPostgres';
import { findRunningPostmaster } from '../infra/runningPostmaster';

export type OpenDatabase = { db: Db; close: () => Promise<void> };

// A reason the CLI will not run, worded for the person at the terminal (no stack trace).
export class DatabaseUnavailableError extends Error {}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const embeddedUrl = (port: number) => `postgres://tollgate:tollgate@127.0.0.1:${port}/tollgate`;

// DATABASE_URL; else the Postgres running on the data folder (never stopped by us, whoever started it);
// else an embedded Postgres started for this command, and stopped after it.
export async function openDatabase(config: Config): Promise<OpenDatabase> {
  if (config.databaseUrl) return connect(config.databaseUrl, 'cannot connect to the Postgres of DATABASE_URL');
  const { dataDir } = config;
  const postmaster = findRunningPostmaster(dataDir);
  if (postmaster.state === 'unknown') {
    return connect(embeddedUrl(config.embeddedPostgresPort), `cannot tell whether Postgres runs on ${dataDir}: ${postmaster.reason}, and nothing answered on TOLLGATE_PG_PORT (${config.embeddedPostgresPort}); set DATABASE_URL, or TOLLGATE_PG_PORT to the port of the Postgres running there`);
  }
  if (postmaster.state === 'running') {
    const port = postmaster.port ?? config.embeddedPostgresPort;
    const running = `Postgres (pid ${postmaster.pid}) is running on ${dataDir} (port ${postmaster.port ?? 'not yet known'})`;
    const hint = postmaster.port ? 'set DATABASE_URL to a connection string that reaches it' : 'set TOLLGATE_PG_PORT to its port, or DATABASE_URL';
    return connect(embeddedUrl(port), `${running}, but the CLI cannot use it; ${hint}`);
  }
  const owner = dataDirOwner(dataDir);
  if (owner) {
    // Starting Postgres under a running instance would race its own start (or shadow the DATABASE_URL it uses).
    throw new DatabaseUnavailableError(`Tollgate (pid ${owner}) is running on ${dataDir} without its embedded Postgres (starting, or using DATABASE_URL); retry once it is up, or set DATABASE_URL as it does`);
  }
  // While our Postgres runs the folder is ours, so an `npm start` meanwhile refuses instead of stopping it.
  mkdirSync(dataDir, { recursive: true });
  const release = claimDataDir(dataDir);
  process.once('exit', release);
  try {
    const postgres = await startEmbeddedPostgres({ dataDir, port: config.embeddedPostgresPort, database: 'tollgate', portVariable: 'TOLLGATE_PG_PORT', leftoverPostmaster: 'refuse' });
    const opened = await connect(postgres.connectionString(), 'cannot connect to the Postgres started for this command').catch(async (error: unknown) => {
      await postgres.stop();
      throw error;
    });
    // Postgres runs in its own process group, so a Ctrl-C reaches only us: close and stop it before exiting.
    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        await opened.close();
        await postgres.stop();
        release();
        for (const signal of STOP_SIGNALS) process.off(signal, interrupted);
      })());
    const interrupted = () => void close().finally(() => process.exit(130));
    for (const signal of STOP_SIGNALS) process.on(signal, interrupted);
    return { db: opened.db, close };
  } catch (error) {
    release();
    throw error;
  }
}

async function connect(url: string, failure: string): Promise<OpenDatabase> {
  const problem = await connectionProblem(url);
  if (problem) throw new DatabaseUnavailableError(`${failure} (${problem})`);
  const db = createDb(url);
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, close: () => db.destroy() };
}

// Why a connection fails, or undefined once one succeeds; waits out a Postgres that is still starting up.
async function connectionProblem(url: string): Promise<string | undefined> {
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
      return undefined;
    } catch (error) {
      // 57P03: "the database system is starting up"; anything else will not change by waiting.
      if ((error as { code?: string }).code !== '57P03' || attempt >= 50) return (error as Error).message;
      await sleep(200);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
