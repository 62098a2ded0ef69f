import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { sql } from 'kysely';
import { createDb, type Db } from '../src/db/createDb';
import { findActiveApiKeyByHash } from '../src/db/repositories/apiKeys.repository';
import { hashApiKey } from '../src/services/apiKeyMaterial';
import { cpuDuring, ownCpuMs, processCpuMs, treeCpuMs, type CpuMeters } from './processCpu';
import { prepareDevInstance, startDevProcess, stopIfRunning } from '../test/support/devProcess';

// Batched raw-event ingestion through POST /v1/events beside its physical reference: a plain multi-row INSERT of the
// same rows into a copy of raw_events (same columns, key and index) in the same Postgres, with the same batches and
// parallel clients. Then again with 10× the events already stored.
export type EventIngestionOptions = {
  baseUrl: string;
  apiKey: string;
  // The service's own database (npm start's embedded one: postgres://tollgate:tollgate@127.0.0.1:<TOLLGATE_PG_PORT>/tollgate).
  databaseUrl: string;
  events?: number;
  batchSize?: number;
  concurrency?: number;
  // With them, each path's CPU milliseconds per 1,000 events, process by process: what a busy shared machine hardly changes.
  processes?: { servicePid: number; postmasterPid: number };
};
type CpuPer1000 = Record<string, number>;
export type IngestionRound = {
  storedBefore: number;
  apiEventsPerSecond: number;
  plainInsertEventsPerSecond: number;
  ratio: number;
  cpuMsPer1000?: { api: CpuPer1000; plain: CpuPer1000 };
};
export type EventIngestionFigures = { events: number; batchSize: number; concurrency: number; fresh: IngestionRound; tenfold: IngestionRound };

type BenchEvent = { customerId: string; eventName: string; idempotencyKey: string; dimensions: Record<string, string | number>; timestamp: string };
const PLAIN_TABLE = 'bench_plain_raw_events';
const CUSTOMERS = 100;

export async function measureEventIngestion(options: EventIngestionOptions): Promise<EventIngestionFigures> {
  const { events = 100_000, batchSize = 1_000, concurrency = 4 } = options;
  // Generous statement timeout: the preload writes 10× the events in a few large statements.
  const db = createDb(options.databaseUrl, { maxConnections: concurrency + 1, timeouts: { connectMs: 5_000, statementMs: 600_000 } });
  try {
    const key = await findActiveApiKeyByHash(db, hashApiKey(options.apiKey));
    if (!key) throw new Error('the API key is not active in this database');
    const run = randomUUID().slice(0, 8);
    await sql`create table if not exists ${sql.table(PLAIN_TABLE)} (like raw_events including all)`.execute(db);
    const { processes } = options;
    const meters: CpuMeters = processes ? { service: () => processCpuMs(processes.servicePid), postgres: () => treeCpuMs(processes.postmasterPid), client: ownCpuMs } : {};
    const round = async (label: string): Promise<IngestionRound> => {
      // Untimed warm-up of both paths (JIT, pooled connections, the first transactions' catalog reads).
      const warmUp = chunk(benchEvents(`${run}-${label}-warm-up`, 5 * batchSize), batchSize);
      await inParallel(warmUp, concurrency, (batch) => postBatch(options, batch));
      await inParallel(warmUp, concurrency, (batch) => insertPlain(db, key.environment_id, batch));
      const storedBefore = await countStored(db, key.environment_id);
      const rows = benchEvents(`${run}-${label}`, events);
      const batches = chunk(rows, batchSize);
      const api = await cpuDuring(meters, () => inParallel(batches, concurrency, (batch) => postBatch(options, batch)));
      const plain = await cpuDuring(meters, () => inParallel(batches, concurrency, (batch) => insertPlain(db, key.environment_id, batch)));
      const apiEventsPerSecond = events / api.result;
      const plainInsertEventsPerSecond = events / plain.result;
      const per1000 = (cpuMs: Record<string, number>) => Object.fromEntries(Object.entries(cpuMs).map(([name, ms]) => [name, (ms * 1_000) / events]));
      const cpuMsPer1000 = options.processes ? { api: per1000(api.cpuMs), plain: per1000(plain.cpuMs) } : undefined;
      return { storedBefore, apiEventsPerSecond, plainInsertEventsPerSecond, ratio: apiEventsPerSecond / plainInsertEventsPerSecond, cpuMsPer1000 };
    };
    const fresh = await round('fresh');
    // 10× the events already stored, in both tables: same customers and event name, spread over the last 30 days.
    await preload(db, key.environment_id, `${run}-preload`, events * 10);
    const tenfold = await round('tenfold');
    return { events, batchSize, concurrency, fresh, tenfold };
  } finally {
    await sql`drop table if exists ${sql.table(PLAIN_TABLE)}`.execute(db);
    await db.destroy();
  }
}

export function printEventIngestion(figures: EventIngestionFigures): void {
  const rate = (value: number) => `${Math.round(value).toLocaleString('en').padStart(9)} events/s`;
  console.log(`\nRaw event ingestion: ${figures.events.toLocaleString('en')} events in batches of ${figures.batchSize}, ${figures.concurrency} parallel clients`);
  console.log(`(${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}); reference: a plain multi-row INSERT of the same rows into a copy of raw_events`);
  for (const [name, round] of [['empty store', figures.fresh], ['10x stored', figures.tenfold]] as const) {
    const verdict = round.apiEventsPerSecond >= 20_000 && round.ratio >= 0.5 ? 'within target' : 'UNDER target (>= 20,000 events/s and >= 0.5x)';
    console.log(
      `  ${name.padEnd(12)} (${round.storedBefore.toLocaleString('en').padStart(9)} stored)  POST /v1/events ${rate(round.apiEventsPerSecond)}   plain INSERT ${rate(round.plainInsertEventsPerSecond)}   ${round.ratio.toFixed(2)}x  ${verdict}`,
    );
    if (round.cpuMsPer1000) console.log(`    CPU ms per 1,000 events: POST /v1/events ${cpuLine(round.cpuMsPer1000.api)}; plain INSERT ${cpuLine(round.cpuMsPer1000.plain)}`);
  }
}

const cpuLine = (cpuMs: CpuPer1000) => {
  const total = Object.values(cpuMs).reduce((sum, ms) => sum + ms, 0);
  return `${Object.entries(cpuMs).map(([name, ms]) => `${name} ${ms.toFixed(1)}`).join(' + ')} = ${total.toFixed(1)}`;
};

// Events the example catalog's meter counts (api_call, status not "error"), over 100 customers that need not exist.
function benchEvents(prefix: string, count: number): BenchEvent[] {
  const timestamp = new Date().toISOString();
  return Array.from({ length: count }, (_, index) => ({
    customerId: `bench-events-${index % CUSTOMERS}`,
    eventName: 'api_call',
    idempotencyKey: `${prefix}-${index}`,
    dimensions: { status: index % 10 === 0 ? 'error' : 'ok', user: `user-${index % 50}`, bytes: index % 1_000 },
    timestamp,
  }));
}

async function postBatch(options: EventIngestionOptions, batch: BenchEvent[]): Promise<void> {
  const response = await fetch(`${options.baseUrl}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': options.apiKey },
    body: JSON.stringify(batch),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`POST /v1/events answered ${response.status}: ${text}`);
  const answer = JSON.parse(text) as { accepted: number };
  if (answer.accepted !== batch.length) throw new Error(`POST /v1/events accepted ${answer.accepted} of ${batch.length} new events`);
}

// The reference: one INSERT ... VALUES statement per batch, nothing else (no dedupe answer, no meters, no counters).
async function insertPlain(db: Db, environmentId: string, batch: BenchEvent[]): Promise<void> {
  const values = batch.map((e) => sql`(${environmentId}, ${e.customerId}, '', ${e.eventName}, ${e.idempotencyKey}, ${JSON.stringify(e.dimensions)}::jsonb, ${e.timestamp}::timestamptz)`);
  await sql`insert into ${sql.table(PLAIN_TABLE)} (environment_id, customer_id, resource_key, event_name, idempotency_key, dimensions, timestamp)
    values ${sql.join(values)}`.execute(db);
}

async function preload(db: Db, environmentId: string, prefix: string, count: number): Promise<void> {
  const STEP = 100_000;
  for (let from = 1; from <= count; from += STEP) {
    const to = Math.min(count, from + STEP - 1);
    for (const table of ['raw_events', PLAIN_TABLE]) {
      await sql`insert into ${sql.table(table)} (environment_id, customer_id, resource_key, event_name, idempotency_key, dimensions, timestamp)
      select ${environmentId}, 'bench-events-' || (n % ${CUSTOMERS}), '', 'api_call', ${prefix} || '-' || n,
        jsonb_build_object('status', 'ok', 'user', 'user-' || (n % 50), 'bytes', n % 1000), now() - (n % 2592000) * interval '1 second'
      from generate_series(${from}::int, ${to}::int) as n`.execute(db);
    }
  }
  await sql`analyze raw_events`.execute(db);
  await sql`analyze ${sql.table(PLAIN_TABLE)}`.execute(db);
}

async function countStored(db: Db, environmentId: string): Promise<number> {
  const row = await db.selectFrom('raw_events').select(({ fn }) => fn.countAll<number>().as('count')).where('environment_id', '=', environmentId).executeTakeFirstOrThrow();
  return Number(row.count);
}

// Runs every item with at most `concurrency` at a time; returns the wall-clock seconds of the whole.
async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const chunk = <T>(items: readonly T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

// Standalone: `npx tsx bench/eventIngestion.ts` starts `npm start` on a throw-away data folder with the example catalog.
if (require.main === module) {
  void (async () => {
    const apiKey = 'tg_server_bench_events_key_0123456789abcdef';
    const instance = await prepareDevInstance({ name: 'bench-events', apiKey, catalog: readFileSync(resolve(__dirname, '../catalog/example.yaml'), 'utf8'), env: { BILLING_PROVIDER: 'none', LOG_LEVEL: 'warn' } });
    const service = startDevProcess(instance.env);
    try {
      await service.ready;
      const figures = await measureEventIngestion({
        baseUrl: `http://127.0.0.1:${instance.env.PORT}`,
        apiKey,
        databaseUrl: `postgres://tollgate:tollgate@127.0.0.1:${instance.env.TOLLGATE_PG_PORT}/tollgate`,
        events: Number(process.env.BENCH_EVENTS ?? 100_000),
        concurrency: Number(process.env.BENCH_CONCURRENCY ?? 4),
        processes: { servicePid: service.child.pid!, postmasterPid: Number(readFileSync(resolve(instance.dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]) },
      });
      printEventIngestion(figures);
    } finally {
      await stopIfRunning(service);
      instance.remove();
    }
  })().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
