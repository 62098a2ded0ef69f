import { cpus, loadavg, totalmem } from 'node:os';
import type { LoadResult, OpenLoopResult } from './httpLoad';
import type { CopyOutcome, HotPathCustomers } from './hotPathData';

// Prints the hot-path figures: each beside its reference and the ratio, a verdict against each target of issue 7,
// and with 10× the data how each one changed.

// A figure with the CPU milliseconds each process spent per request (service or bare server, postgres, generator).
export type Measured<T extends LoadResult = LoadResult> = T & { cpuMsPerRequest: Record<string, number> };
type Counted = Measured;
export type HotPathFigures = {
  closed: { bare: Counted; customerRead: Counted; meteredCheck: Counted; booleanCheck: Counted };
  // The bare route's slices run alternately with each figure's: the reference of that figure's ratio.
  bareBeside: { customerRead: Counted; meteredCheck: Counted; booleanCheck: Counted };
  open: { bare: Measured<OpenLoopResult>; meteredCheck: Measured<OpenLoopResult>; booleanCheck: Measured<OpenLoopResult> };
  usage: { floorSequential: Counted; deltaSequential: Counted; enforceSequential: Counted; floorConcurrent: Counted; deltaConcurrent: Counted; enforceConcurrent: Counted };
};
export type TransactionCounts = { customerRead: number; meteredCheck: number; booleanCheck: number; usage: number; usageEnforced: number };

type Settings = { seconds: number; warmUpSeconds: number; checkConcurrency: number; usageConcurrency: number; openLoopRate: number; dataMultiplier: number };
type Report = { base: HotPathFigures; tenfold: HotPathFigures; transactions: TransactionCounts; seeded: HotPathCustomers; customers: HotPathCustomers; provisionSeconds: number; copy: CopyOutcome; settings: Settings };

const TARGET_THROUGHPUT_RATIO = 0.5;
const TARGET_OPEN_LOOP_P99_MS = 5;
const TARGET_USAGE_P95_MS = 20;

const loadAtStart = loadavg();
const ms = (value: number) => (Number.isNaN(value) ? '-' : `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`);
const perSecond = (value: number) => Math.round(value).toLocaleString('en-US');
const ratio = (value: number) => `${value.toFixed(2)}x`;
const errorCount = (result: LoadResult) => Object.values(result.errors).reduce((sum, error) => sum + error.count, 0);
const unansweredOf = (result: LoadResult) => result.errors.UNANSWERED?.count ?? 0;
// Error answers make a figure meaningless; requests the open loop gave up on make it a miss (they took that long).
const verdict = (met: boolean, result: LoadResult) => (errorCount(result) > unansweredOf(result) ? 'NOT VALID (errors)' : unansweredOf(result) > 0 ? 'MISSED' : met ? 'met' : 'MISSED');
// A quantile the open loop's unanswered requests reach is only known to be above the grace they were given.
const quantile = (result: LoadResult, value: number, share: number) => (unansweredOf(result) > (1 - share) * result.sent ? '> grace' : ms(value));

// CPU ms per request of the process answering (the service, or the bare server), of Postgres, of the load generator.
const cpu = (result: Counted, server: 'service' | 'bare' | 'none') => {
  const value = (name: string) => (server === 'none' && name === 'server' ? '-' : (result.cpuMsPerRequest[name === 'server' ? server : name] ?? Number.NaN).toFixed(2));
  return `${value('server')} / ${value('postgres')} / ${value('generator')}`;
};
// All the CPU a request took: the answering server's, Postgres's and the load generator's.
const cpuTotal = (result: Counted, server: 'service' | 'bare') => ['postgres', 'generator', server].reduce((sum, name) => sum + (result.cpuMsPerRequest[name] ?? 0), 0);
const CPU_COLUMN = { header: 'CPU ms/req: server / pg / generator', width: 34 };

type Column = { header: string; width: number };
function table(title: string, columns: Column[], rows: string[][]) {
  console.log(`\n${title}`);
  const line = (cells: string[]) => cells.map((cell, index) => (index === 0 ? cell.padEnd(columns[0]!.width) : cell.padStart(columns[index]!.width))).join('  ');
  console.log(line(columns.map((column) => column.header)));
  for (const row of rows) console.log(line(row));
}

function checksClosed(figures: HotPathFigures, settings: Settings, before?: HotPathFigures) {
  const { closed } = figures;
  const row = (name: string, result: Counted, key: keyof HotPathFigures['closed'], target?: boolean) => [
    name,
    perSecond(result.throughput),
    ms(result.latency.p50),
    ms(result.latency.p99),
    String(errorCount(result)),
    cpu(result, key === 'bare' ? 'bare' : 'service'),
    key === 'bare' ? '' : ratio(result.throughput / figures.bareBeside[key].throughput),
    key === 'bare' ? '' : ratio(cpuTotal(closed.bare, 'bare') / cpuTotal(result, 'service')),
    target === undefined || key === 'bare' ? '' : `>= ${TARGET_THROUGHPUT_RATIO}x ${verdict(result.throughput / figures.bareBeside[key].throughput >= TARGET_THROUGHPUT_RATIO, result)}`,
    ...(before ? [change(before.closed[key], result)] : []),
  ];
  table(
    `Checks, closed loop: ${settings.checkConcurrency} keep-alive connections, ${settings.seconds} s each in 5 slices alternating with the bare route's (vs bare: throughput / the bare route's in those slices; CPU ratio: the bare route's CPU per request / this one's, all three processes)`,
    [{ header: 'figure', width: 52 }, { header: 'req/s', width: 7 }, { header: 'p50', width: 8 }, { header: 'p99', width: 8 }, { header: 'errors', width: 6 }, CPU_COLUMN, { header: 'vs bare', width: 7 }, { header: 'CPU ratio', width: 9 }, { header: 'target', width: 16 }, ...(before ? [{ header: `vs 1x data`, width: 24 }] : [])],
    [
      row('bare Express route, constant JSON (reference)', closed.bare, 'bare'),
      row('GET /v1/customers/:id (authenticated read)', closed.customerRead, 'customerRead'),
      row('metered check (feature-api-calls, requestedUsage=1)', closed.meteredCheck, 'meteredCheck', true),
      row('boolean check (feature-sso, trial customers)', closed.booleanCheck, 'booleanCheck', true),
    ],
  );
}

function checksOpen(figures: HotPathFigures, settings: Settings, before?: HotPathFigures) {
  const { open } = figures;
  const row = (name: string, result: Measured<OpenLoopResult>, key: keyof HotPathFigures['open'], target?: boolean) => [
    name,
    perSecond(result.achievedRate),
    quantile(result, result.latency.p50, 0.5),
    quantile(result, result.latency.p99, 0.99),
    String(errorCount(result)),
    cpu(result, key === 'bare' ? 'bare' : 'service'),
    ratio(result.latency.p99 / open.bare.latency.p99),
    target === undefined ? '' : `p99 < ${TARGET_OPEN_LOOP_P99_MS} ms ${verdict(result.latency.p99 < TARGET_OPEN_LOOP_P99_MS, result)}`,
    ...(before ? [change(before.open[key], result)] : []),
  ];
  table(
    `Checks, open loop: ${perSecond(settings.openLoopRate)} req/s for ${settings.seconds} s, each latency from its scheduled send time; requests unanswered 10 s after the last was due are given up (UNANSWERED)`,
    [{ header: 'figure', width: 52 }, { header: 'req/s', width: 7 }, { header: 'p50', width: 8 }, { header: 'p99', width: 8 }, { header: 'errors', width: 6 }, CPU_COLUMN, { header: 'p99 vs bare', width: 11 }, { header: 'target', width: 20 }, ...(before ? [{ header: 'vs 1x data', width: 24 }] : [])],
    [
      row('bare Express route (reference)', open.bare, 'bare'),
      row('metered check', open.meteredCheck, 'meteredCheck', true),
      row('boolean check', open.booleanCheck, 'booleanCheck', true),
    ],
  );
}

function usage(figures: HotPathFigures, settings: Settings, before?: HotPathFigures) {
  const { usage } = figures;
  const row = (name: string, result: Counted, key: keyof HotPathFigures['usage'], floor: Counted, target?: boolean) => [
    name,
    perSecond(result.throughput),
    ms(result.latency.p50),
    ms(result.latency.p95),
    ms(result.latency.p99),
    String(errorCount(result)),
    cpu(result, key.startsWith('floor') ? 'none' : 'service'),
    ratio(result.latency.p95 / floor.latency.p95),
    target === undefined ? '' : `p95 < ${TARGET_USAGE_P95_MS} ms ${verdict(result.latency.p95 < TARGET_USAGE_P95_MS, result)}`,
    ...(before ? [change(before.usage[key], result, 'p95')] : []),
  ];
  table(
    `Usage acknowledgement (POST /v1/usage, DELTA of 1 with an idempotency key), ${settings.seconds} s each`,
    [{ header: 'figure', width: 52 }, { header: 'req/s', width: 7 }, { header: 'p50', width: 8 }, { header: 'p95', width: 8 }, { header: 'p99', width: 8 }, { header: 'errors', width: 6 }, CPU_COLUMN, { header: 'p95 vs ref', width: 10 }, { header: 'target', width: 20 }, ...(before ? [{ header: 'vs 1x data', width: 24 }] : [])],
    [
      row('sequential: one-row INSERT committed (reference)', usage.floorSequential, 'floorSequential', usage.floorSequential),
      row('sequential: POST /v1/usage', usage.deltaSequential, 'deltaSequential', usage.floorSequential, true),
      row('sequential: POST /v1/usage, enforceLimit', usage.enforceSequential, 'enforceSequential', usage.floorSequential, true),
      row(`${settings.usageConcurrency} concurrent: one-row INSERT committed (reference)`, usage.floorConcurrent, 'floorConcurrent', usage.floorConcurrent),
      row(`${settings.usageConcurrency} concurrent: POST /v1/usage`, usage.deltaConcurrent, 'deltaConcurrent', usage.floorConcurrent, true),
      row(`${settings.usageConcurrency} concurrent: POST /v1/usage, enforceLimit`, usage.enforceConcurrent, 'enforceConcurrent', usage.floorConcurrent, true),
    ],
  );
}

// How a figure moved with 10× the data: throughput and tail latency, each as after / before.
function change(before: LoadResult, after: LoadResult, tail: 'p95' | 'p99' = 'p99'): string {
  return `req/s ${ratio(after.throughput / before.throughput)}, ${tail} ${ratio(after.latency[tail] / before.latency[tail])}`;
}

function errorsOf(figures: HotPathFigures): string[] {
  const groups = { closed: figures.closed, open: figures.open, usage: figures.usage } as Record<string, Record<string, LoadResult>>;
  return Object.entries(groups).flatMap(([group, results]) =>
    Object.entries(results).flatMap(([name, result]) => Object.entries(result.errors).map(([status, { count, firstBody }]) => `  ${group}.${name}: ${count} x ${status} (first: ${firstBody})`)),
  );
}

function section(figures: HotPathFigures, settings: Settings, before?: HotPathFigures) {
  checksClosed(figures, settings, before);
  checksOpen(figures, settings, before);
  usage(figures, settings, before);
  const errors = errorsOf(figures);
  if (errors.length > 0) console.log(`\nNon-2xx answers (not counted in any latency or throughput):\n${errors.join('\n')}`);
}

export function printHotPath({ base, transactions, seeded, customers, provisionSeconds, settings }: Omit<Report, 'tenfold' | 'copy'>): void {
  const cores = cpus();
  const load = (values: number[]) => values.map((value) => value.toFixed(2)).join(' ');
  console.log(`\n=== Hot path: entitlement checks and usage acknowledgements under load ===`);
  console.log(`Machine: ${cores.length} x ${cores[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; load average ${load(loadAtStart)} before the bench, ${load(loadavg())} now`);
  console.log(`Everything on this machine: the service (npm start: API + worker in one process), its Postgres and Temporal, the bare server, and this load generator.`);
  const count = (value: number) => value.toLocaleString('en-US');
  console.log(`Data: ${count(customers.free.length)} plan-free customers + ${count(customers.pro.length)} plan-pro trial customers (seats 3): ${count(seeded.free.length)} + ${count(seeded.pro.length)} provisioned through the API in ${provisionSeconds.toFixed(0)} s (untimed), each copied ${settings.dataMultiplier - 1} times in Postgres; requests rotate over all.`);
  console.log(`Each figure runs after a ${settings.warmUpSeconds} s untimed warm-up of the same load. Latencies and throughput count 2xx answers only.`);
  console.log(`CPU ms/req: CPU time per request of the answering process (service or bare server), of Postgres (postmaster and backends), and of this load generator, from /proc.`);
  section(base, settings);
  const each = (value: number) => value.toFixed(1);
  console.log(`\nPostgres transactions per request (an autocommit query is one; 200 sequential requests sent twice, the second time counted; from pg_stat_database):`);
  console.log(`  GET /v1/customers/:id ${each(transactions.customerRead)}, metered check ${each(transactions.meteredCheck)}, boolean check ${each(transactions.booleanCheck)}, POST /v1/usage ${each(transactions.usage)}, with enforceLimit ${each(transactions.usageEnforced)}`);
}

export function printTenfold({ base, tenfold, customers, copy, settings }: Omit<Report, 'seeded' | 'provisionSeconds' | 'transactions'>): void {
  const rows = (counts: Record<string, number>) => Object.entries(counts).map(([table, count]) => `${table} ${count.toLocaleString('en-US')}`).join(', ');
  console.log(`\n=== With ${settings.dataMultiplier}x the data ===`);
  console.log(`Every row of the bench's customers copied ${settings.dataMultiplier - 1} times in Postgres in ${copy.seconds.toFixed(1)} s, then ANALYZE. Rows before: ${rows(copy.rowsBefore)}.`);
  console.log(`Rows after: ${rows(copy.rowsAfter)}. Requests now rotate over all ${(customers.free.length + customers.pro.length) * settings.dataMultiplier} customers.`);
  section(tenfold, settings, base);
}
