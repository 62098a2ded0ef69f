import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBareServer } from './bareServerProcess';
import type { BenchApi } from './benchApi';
import { closedLoop, mergeResults, openLoop, type LoadRequest, type LoadResult, type LoadTarget } from './httpLoad';
import { copiedIds, copyCustomers, provisionCustomers, type HotPathCustomers } from './hotPathData';
import { printHotPath, printTenfold, type Measured, type HotPathFigures, type TransactionCounts } from './hotPathReport';
import { measureCommitFloor } from './postgresFloor';
import { cpuDuring, ownCpuMs, processCpuMs, treeCpuMs, type CpuMeters } from './processCpu';
import { transactionProbe } from './queryCount';

// The hot path under load: entitlement checks and usage acknowledgements beside their physical references (a bare
// Express route, a durable one-row INSERT into the same Postgres), measured in the same run on the same machine,
// then again over 10× the data. BENCH_ONLY=hot-path runs only this section.
export const HOT_PATH = {
  seconds: Number(process.env.BENCH_SECONDS ?? 10),
  warmUpSeconds: 1,
  checkConcurrency: 32,
  usageConcurrency: 16,
  openLoopRate: Number(process.env.BENCH_RATE ?? 1_000),
  freeCustomers: Number(process.env.BENCH_CUSTOMERS ?? 1_000),
  // Trial customers, for a boolean check that grants (the free plan has no boolean feature).
  proCustomers: Math.ceil(Number(process.env.BENCH_CUSTOMERS ?? 1_000) / 4),
  dataMultiplier: 10,
  probeRequests: 200,
};

const SETTLE_AFTER_OPEN_LOOP_MS = 5_000;
const SLICES = 5;

// Slices of one figure as one: latencies pooled, CPU per request weighted by each slice's requests.
function mergeMeasured(parts: Measured[]): Measured {
  const sent = parts.reduce((total, part) => total + part.sent, 0);
  const cpuMsPerRequest: Record<string, number> = {};
  for (const part of parts) for (const [name, ms] of Object.entries(part.cpuMsPerRequest)) cpuMsPerRequest[name] = (cpuMsPerRequest[name] ?? 0) + (ms * part.sent) / Math.max(1, sent);
  return { ...mergeResults(parts), cpuMsPerRequest };
}

export type HotPathContext = {
  api: BenchApi;
  port: number;
  apiKey: string;
  databaseUrl: string;
  run: string;
  servicePid: number;
  dataDir: string;
  // Told each figure's time window (monotonic clock, as CPU profiles stamp samples), to slice a profile of the service.
  onWindow?: (window: { name: string; startedNs: bigint; endedNs: bigint; requests: number }) => void;
};

export async function runHotPathBench(context: HotPathContext): Promise<void> {
  const bare = await startBareServer();
  try {
    const service: LoadTarget = { host: '127.0.0.1', port: context.port, headers: { 'x-api-key': context.apiKey } };
    const reference: LoadTarget = { host: '127.0.0.1', port: bare.port };
    const postmasterPid = Number(readFileSync(join(context.dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const meters: CpuMeters = { service: () => processCpuMs(context.servicePid), bare: () => processCpuMs(bare.pid), postgres: () => treeCpuMs(postmasterPid), generator: ownCpuMs };
    // A tenth of the customers through the API (a workflow each, slow on a busy machine), the rest as row copies.
    const provisionStarted = Date.now();
    const seeded = await provisionCustomers(context.api, context.run, { free: Math.ceil(HOT_PATH.freeCustomers / HOT_PATH.dataMultiplier), pro: Math.ceil(HOT_PATH.proCustomers / HOT_PATH.dataMultiplier) });
    await expectGranted(context.api, seeded);
    const provisionSeconds = (Date.now() - provisionStarted) / 1000;
    await copyCustomers(context.databaseUrl, [...seeded.free, ...seeded.pro], HOT_PATH.dataMultiplier - 1, 'c');
    const customers = grownBy(seeded, 'c');
    await expectGranted(context.api, { free: customers.free.slice(-1), pro: customers.pro.slice(-1) });

    const base = await measureAll(context, service, reference, meters, customers, 'base');
    const transactions = await countTransactions(context, customers);
    printHotPath({ base, transactions, seeded, customers, provisionSeconds, settings: HOT_PATH });
    const copy = await copyCustomers(context.databaseUrl, [...customers.free, ...customers.pro], HOT_PATH.dataMultiplier - 1, 'x');
    const grown = grownBy(customers, 'x');
    // The copies are customers the service knows: a copied customer is granted like its original.
    await expectGranted(context.api, { free: grown.free.slice(-1), pro: grown.pro.slice(-1) });
    const tenfold = await measureAll(context, service, reference, meters, grown, '10x');
    printTenfold({ base, tenfold, customers, copy, settings: HOT_PATH });
  } finally {
    await bare.stop();
  }
}

// The customers and their copies, as copyCustomers names them.
const grownBy = (customers: HotPathCustomers, tag: string): HotPathCustomers => ({
  free: [...customers.free, ...copiedIds(customers.free, HOT_PATH.dataMultiplier - 1, tag)],
  pro: [...customers.pro, ...copiedIds(customers.pro, HOT_PATH.dataMultiplier - 1, tag)],
});

const pick = (list: string[], index: number) => list[index % list.length]!;
const requests = (customers: HotPathCustomers, run: string, label: string) => ({
  bareRoute: (): LoadRequest => ({ method: 'GET', path: '/bare' }),
  customerRead: (index: number): LoadRequest => ({ method: 'GET', path: `/v1/customers/${pick(customers.free, index)}` }),
  meteredCheck: (index: number): LoadRequest => ({ method: 'GET', path: `/v1/customers/${pick(customers.free, index)}/entitlements/feature-api-calls?requestedUsage=1` }),
  booleanCheck: (index: number): LoadRequest => ({ method: 'GET', path: `/v1/customers/${pick(customers.pro, index)}/entitlements/feature-sso` }),
  // A unique idempotency key on every report, as a client that retries safely sends; one unit of the 1,000 a month.
  usage: (name: string, enforceLimit: boolean) => (index: number): LoadRequest => ({
    method: 'POST',
    path: '/v1/usage',
    body: { customerId: pick(customers.free, index), featureId: 'feature-api-calls', value: 1, idempotencyKey: `${run}-${label}-${name}-${index}`, ...(enforceLimit && { enforceLimit: true }) },
  }),
});

async function measureAll(context: HotPathContext, service: LoadTarget, reference: LoadTarget, meters: CpuMeters, customers: HotPathCustomers, label: string): Promise<HotPathFigures> {
  const { bareRoute, customerRead, meteredCheck, booleanCheck, usage } = requests(customers, context.run, label);
  const { seconds, warmUpSeconds, checkConcurrency, usageConcurrency, openLoopRate } = HOT_PATH;
  // Each figure's CPU milliseconds per answered request, process by process.
  const measured = async <T extends LoadResult>(name: string, load: () => Promise<T>): Promise<Measured<T>> => {
    const started = process.hrtime.bigint();
    const { result, cpuMs } = await cpuDuring(meters, load);
    context.onWindow?.({ name: `${label} ${name}`, startedNs: started, endedNs: process.hrtime.bigint(), requests: result.sent });
    return { ...result, cpuMsPerRequest: Object.fromEntries(Object.entries(cpuMs).map(([name, ms]) => [name, ms / Math.max(1, result.sent)])) };
  };
  // Each figure after a short untimed run of the same load, so JIT, pools and caches are warm for all alike.
  const closed = async (name: string, target: LoadTarget, concurrency: number, request: (index: number) => LoadRequest) => {
    await closedLoop(target, { concurrency, seconds: warmUpSeconds, request: (index) => request(index + 1_000_000) });
    return measured(`closed ${name}`, () => closedLoop(target, { concurrency, seconds, request }));
  };
  // A figure and the bare route in alternating slices, so that both see the same share of a busy machine: the
  // throughput ratio is the target, and load from other processes changes by the second.
  const besideBare = async (name: string, request: (index: number) => LoadRequest) => {
    await closedLoop(reference, { concurrency: checkConcurrency, seconds: warmUpSeconds, request: bareRoute });
    await closedLoop(service, { concurrency: checkConcurrency, seconds: warmUpSeconds, request: (index) => request(index + 1_000_000) });
    const bareSlices: Measured[] = [];
    const slices: Measured[] = [];
    for (let slice = 0; slice < SLICES; slice++) {
      bareSlices.push(await measured(`closed bare beside ${name} ${slice}`, () => closedLoop(reference, { concurrency: checkConcurrency, seconds: seconds / SLICES, request: bareRoute })));
      slices.push(await measured(`closed ${name} ${slice}`, () => closedLoop(service, { concurrency: checkConcurrency, seconds: seconds / SLICES, request: (index) => request(index + slice * 1_000_000) })));
    }
    return { figure: mergeMeasured(slices), bare: mergeMeasured(bareSlices) };
  };
  const open = async (name: string, target: LoadTarget, request: (index: number) => LoadRequest) => {
    await closedLoop(target, { concurrency: checkConcurrency, seconds: warmUpSeconds, request: (index) => request(index + 2_000_000) });
    const result = await measured(`open ${name}`, () => openLoop(target, { rate: openLoopRate, seconds, request }));
    // Requests given up on may still be running in the service (their connections gone): let them finish.
    await new Promise((done) => setTimeout(done, SETTLE_AFTER_OPEN_LOOP_MS));
    return result;
  };
  const floor = async (concurrency: number) => {
    await measureCommitFloor(context.databaseUrl, { concurrency, seconds: warmUpSeconds });
    return measured(`floor ${concurrency}`, () => measureCommitFloor(context.databaseUrl, { concurrency, seconds }));
  };

  const customerReadPair = await besideBare('customerRead', customerRead);
  const meteredCheckPair = await besideBare('meteredCheck', meteredCheck);
  const booleanCheckPair = await besideBare('booleanCheck', booleanCheck);
  return {
    closed: {
      bare: mergeMeasured([customerReadPair.bare, meteredCheckPair.bare, booleanCheckPair.bare]),
      customerRead: customerReadPair.figure,
      meteredCheck: meteredCheckPair.figure,
      booleanCheck: booleanCheckPair.figure,
    },
    bareBeside: { customerRead: customerReadPair.bare, meteredCheck: meteredCheckPair.bare, booleanCheck: booleanCheckPair.bare },
    open: {
      bare: await open('bare', reference, bareRoute),
      meteredCheck: await open('meteredCheck', service, meteredCheck),
      booleanCheck: await open('booleanCheck', service, booleanCheck),
    },
    usage: {
      floorSequential: await floor(1),
      deltaSequential: await closed('deltaSequential', service, 1, usage('delta-seq', false)),
      enforceSequential: await closed('enforceSequential', service, 1, usage('enforce-seq', true)),
      floorConcurrent: await floor(usageConcurrency),
      deltaConcurrent: await closed('deltaConcurrent', service, usageConcurrency, usage('delta-conc', false)),
      enforceConcurrent: await closed('enforceConcurrent', service, usageConcurrency, usage('enforce-conc', true)),
    },
  };
}

// Postgres transactions per request of each kind, sequentially (about a minute: each count waits for the stats).
async function countTransactions(context: HotPathContext, customers: HotPathCustomers): Promise<TransactionCounts> {
  const { customerRead, meteredCheck, booleanCheck, usage } = requests(customers, context.run, 'probe');
  const probe = await transactionProbe(context.databaseUrl);
  const send = (request: (index: number) => LoadRequest) => (index: number) => {
    const { method, path, body } = request(index);
    return context.api(method, path, body);
  };
  // The second pass reaches the same customers (requests rotate over each list) with new idempotency keys.
  const offset = customers.free.length * customers.pro.length;
  try {
    return {
      customerRead: await probe.perRequest(HOT_PATH.probeRequests, offset, send(customerRead)),
      meteredCheck: await probe.perRequest(HOT_PATH.probeRequests, offset, send(meteredCheck)),
      booleanCheck: await probe.perRequest(HOT_PATH.probeRequests, offset, send(booleanCheck)),
      usage: await probe.perRequest(HOT_PATH.probeRequests, offset, send(usage('probe', false))),
      usageEnforced: await probe.perRequest(HOT_PATH.probeRequests, offset, send(usage('probe-enforced', true))),
    };
  } finally {
    await probe.close();
  }
}

// A figure for the wrong outcome would mislead: the checks measured must grant before any is timed.
async function expectGranted(api: BenchApi, customers: HotPathCustomers): Promise<void> {
  const metered = (await api('GET', `/v1/customers/${customers.free[0]}/entitlements/feature-api-calls?requestedUsage=1`)) as { hasAccess: boolean; usageLimit?: number };
  const boolean = (await api('GET', `/v1/customers/${customers.pro[0]}/entitlements/feature-sso`)) as { hasAccess: boolean };
  if (!metered.hasAccess || metered.usageLimit !== 1000) throw new Error(`the metered check of ${customers.free[0]} answered ${JSON.stringify(metered)}, not access within 1000`);
  if (!boolean.hasAccess) throw new Error(`the boolean check of ${customers.pro[0]} answered ${JSON.stringify(boolean)}, not access`);
}
