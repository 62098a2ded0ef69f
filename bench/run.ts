import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { SANDBOX_STATE_FILE } from '../src/infra/devSandbox';
import { prepareDevInstance, startDevProcess, stopIfRunning, type DevProcess } from '../test/support/devProcess';
import { benchApi, customerBody, freePlanBody, paidPlanBody, provisionSubscription, untilPaidProvisionAnswers, waitForCatalogSync, type BenchApi } from './benchApi';
import { createBaselineActivities } from './baseline.activities';
import type { noopWorkflow, oneActivityWorkflow } from './baseline.workflows';
import { summarise, timeSequentially, type LatencySummary } from './latency';
import { measureEventIngestion, printEventIngestion } from './eventIngestion';
import { measureMigration, printMigration } from './migration';
import { runHotPathBench } from './hotPath';
import { measureRealtime, printRealtime } from './realtime';
import { measureSdk, printSdk } from './sdkCache';
import { countUpdateOnlyWorkflowTasks, epochNow, findWorkflowId, printWhereTimeGoes, type RequestSpan } from './workflowHistory';

// `npm run bench`: figures for people, never run in CI. It starts `npm start` exactly as a user would (embedded
// Postgres, Temporal dev server, API and worker in one process) on a throw-away data folder with the example
// catalog, then measures each workflow path sequentially on an otherwise idle service, beside Temporal's own floor
// on the same server, and the hot path (entitlement checks, usage acknowledgements) under load (bench/hotPath.ts).
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const WARM_UP = 20;
const API_KEY = 'tg_server_bench_key_0123456789abcdef';
const EXAMPLE_CATALOG = resolve(__dirname, '../catalog/example.yaml');
// BENCH_ONLY=workflows, hot-path, realtime, sdk or migration runs one section; BENCH_CPU_PROFILE=<folder> has the service write a
// V8 CPU profile there when it stops, with the hot-path figures' time windows (bench/profileSummary.ts reads both).
const SECTIONS = ['workflows', 'hot-path', 'realtime', 'sdk', 'migration'] as const;
const ONLY = process.env.BENCH_ONLY;
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROFILE;

const CUSTOMER_PROVISION = 'POST /v1/customers (provision, a workflow with 2 activities)';
const FREE_SUBSCRIPTION = 'POST /v1/subscriptions, free plan (SUCCESS)';
const PAID_SUBSCRIPTION = 'POST /v1/subscriptions, paid plan (PAYMENT_REQUIRED)';
const NOOP_FLOOR = 'Temporal floor: a no-op workflow, start to result';
const ACTIVITY_FLOOR = 'Temporal floor: one no-op activity, start to result';

type Figures = Record<string, { summary: LatencySummary; drift: number }>;

async function main() {
  if (ONLY !== undefined && !(SECTIONS as readonly string[]).includes(ONLY)) throw new Error(`BENCH_ONLY must be one of ${SECTIONS.join(', ')}, not "${ONLY}"`);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  // One service, billing on `npm start`'s in-process Stripe sandbox, for every figure: the paid answer needs a
  // provider, and the others stay comparable with earlier BILLING_PROVIDER=none runs because they never call it
  // (a customer without billingInfo, a free plan). The sandbox only answers requests: idle, it costs nothing.
  const instance = await prepareDevInstance({
    name: 'bench',
    apiKey: API_KEY,
    catalog: readFileSync(EXAMPLE_CATALOG, 'utf8'),
    env: { BILLING_PROVIDER: 'sandbox', LOG_LEVEL: 'warn' },
  });
  let service: DevProcess | undefined;
  try {
    if (CPU_PROFILE_DIR) mkdirSync(resolve(CPU_PROFILE_DIR), { recursive: true });
    service = startDevProcess(instance.env, CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${resolve(CPU_PROFILE_DIR)}`] : []);
    await service.ready;
    const api = benchApi(`http://127.0.0.1:${instance.env.PORT}`, API_KEY);
    const address = `127.0.0.1:${instance.env.TEMPORAL_PORT}`;
    const client = new Client({ connection: await Connection.connect({ address }) });
    const run = `bench-${Date.now()}`;
    await waitForCatalogSync(client);
    if (ONLY === undefined || ONLY === 'workflows') await workflowFigures(api, client, address, run, instance.dataDir);
    const databaseUrl = `postgres://tollgate:tollgate@127.0.0.1:${instance.env.TOLLGATE_PG_PORT}/tollgate`;
    // Raw-event ingestion beside a plain INSERT, event to enforceable, and stream delivery.
    if (ONLY === undefined || ONLY === 'realtime') {
      const baseUrl = `http://127.0.0.1:${instance.env.PORT}`;
      printRealtime(await measureRealtime(api, baseUrl, API_KEY, ROUNDS));
      const postmasterPid = Number(readFileSync(join(instance.dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
      const processes = { servicePid: service.child.pid!, postmasterPid };
      printEventIngestion(await measureEventIngestion({ baseUrl, apiKey: API_KEY, databaseUrl, events: Number(process.env.BENCH_EVENTS ?? 100_000), processes }));
    }
    // The Node SDK in this process: cached checks beside Map.get, the heap of cached customers, stream propagation.
    if (ONLY === undefined || ONLY === 'sdk') {
      const baseUrl = `http://127.0.0.1:${instance.env.PORT}`;
      printSdk(await measureSdk({ api, baseUrl, apiKey: API_KEY, databaseUrl, run, customers: Number(process.env.BENCH_SDK_CUSTOMERS ?? 10_000), rounds: ROUNDS }));
    }
    if (ONLY === undefined || ONLY === 'hot-path') {
      // With a CPU profile, each figure's window is kept beside it (microseconds, the profile's clock).
      const onWindow = CPU_PROFILE_DIR ? (window: { name: string; startedNs: bigint; endedNs: bigint; requests: number }) => appendFileSync(join(resolve(CPU_PROFILE_DIR), 'windows.jsonl'), `${JSON.stringify({ ...window, startedNs: String(window.startedNs), endedNs: String(window.endedNs) })}\n`) : undefined;
      await runHotPathBench({ api, port: Number(instance.env.PORT), apiKey: API_KEY, databaseUrl, run, servicePid: service.child.pid!, dataDir: instance.dataDir, onWindow });
    }
    // Last: it publishes a new plan-basic version. A bulk migration of paid subscriptions to a new plan version: subscriptions per second and the provider's calls.
    if (ONLY === undefined || ONLY === 'migration') {
      const subscriptions = Number(process.env.BENCH_MIGRATION_SUBSCRIPTIONS ?? 200);
      const ratePerSecond = Number(process.env.BENCH_MIGRATION_RATE ?? 100);
      printMigration(await measureMigration({ api, client, catalogYaml: readFileSync(EXAMPLE_CATALOG, 'utf8'), sandboxPort: instance.env.TOLLGATE_SANDBOX_PORT!, run, subscriptions, ratePerSecond }));
    }
  } finally {
    await stopIfRunning(service);
    instance.remove();
  }
}

// The workflow paths, sequentially on an otherwise idle service, beside Temporal's own floor on the same server.
async function workflowFigures(api: BenchApi, client: Client, address: string, run: string, dataDir: string) {
  await untilPaidProvisionAnswers(api, `${run}-ready`);

  const figures: Figures = {};
  const measure = async (name: string, call: (index: number) => Promise<unknown>) => {
    await timeSequentially(WARM_UP, async (index) => void (await call(ROUNDS + index)));
    figures[name] = withDrift(await timeSequentially(ROUNDS, async (index) => void (await call(index))));
  };
  const customer = (index: number) => `${run}-${index}`;
  const paidCustomer = (index: number) => `${run}-paid-${index}`;
  await measure(CUSTOMER_PROVISION, (index) => api('POST', '/v1/customers', customerBody(customer(index))));
  figures['GET /v1/customers/:id (read, no Temporal)'] = withDrift(await timeSequentially(ROUNDS, (index) => api('GET', `/v1/customers/${customer(index)}`).then(() => undefined)));
  figures['GET /health (Postgres + Temporal probe)'] = withDrift(await timeSequentially(ROUNDS, () => api('GET', '/health').then(() => undefined)));
  // The customers just provisioned have no subscription yet: each takes one free plan.
  await measure(FREE_SUBSCRIPTION, (index) => provisionSubscription(api, freePlanBody(customer(index)), 'SUCCESS'));
  // One checkout waits per customer and product: each paid round needs a customer of its own, provisioned untimed.
  for (let index = 0; index < ROUNDS + WARM_UP; index++) await api('POST', '/v1/customers', customerBody(paidCustomer(index)));
  await measure(PAID_SUBSCRIPTION, (index) => provisionSubscription(api, paidPlanBody(paidCustomer(index)), 'PAYMENT_REQUIRED'));

  await measureTemporalFloor(address, client, figures);
  print(figures);
  await traceOneOfEach(api, client, run);
  await countUpdateOnlyWorkflowTasks(client);
  // The sandbox rewrites this whole file, synchronously, on every POST it answers: it grows with every paid round.
  const stateFile = join(dataDir, SANDBOX_STATE_FILE);
  if (existsSync(stateFile)) console.log(`\nThe Stripe sandbox's state file is ${(statSync(stateFile).size / 1024).toFixed(0)} KB after the run (rewritten whole on every POST to the sandbox)`);
}

// A no-op workflow and a one-activity workflow on the same Temporal server, with a worker of their own.
async function measureTemporalFloor(address: string, client: Client, figures: Figures) {
  const taskQueue = `bench-baseline-${randomUUID()}`;
  const worker = await Worker.create({
    connection: await NativeConnection.connect({ address }),
    taskQueue,
    workflowsPath: require.resolve('./baseline.workflows'),
    activities: createBaselineActivities(),
  });
  await worker.runUntil(async () => {
    const execute = (workflow: 'noopWorkflow' | 'oneActivityWorkflow') => async () => {
      await client.workflow.execute<typeof noopWorkflow | typeof oneActivityWorkflow>(workflow, { taskQueue, workflowId: `${workflow}-${randomUUID()}` });
    };
    await timeSequentially(WARM_UP, execute('oneActivityWorkflow'));
    figures[NOOP_FLOOR] = withDrift(await timeSequentially(ROUNDS, execute('noopWorkflow')));
    figures[ACTIVITY_FLOOR] = withDrift(await timeSequentially(ROUNDS, execute('oneActivityWorkflow')));
  });
}

// One more request of each workflow path, timed at the bench and read back from its workflow's history.
async function traceOneOfEach(api: BenchApi, client: Client, run: string) {
  const timed = async <T>(call: () => Promise<T>): Promise<{ result: T; span: RequestSpan }> => {
    const sentAt = epochNow();
    const result = await call();
    return { result, span: { sentAt, answeredAt: epochNow() } };
  };
  const EventType = temporal.api.enums.v1.EventType;
  const customerId = `${run}-traced`;
  const provisioned = await timed(() => api('POST', '/v1/customers', customerBody(customerId)));
  const customerWorkflow = await findWorkflowId(client, `WorkflowType = "provisionCustomerWorkflow" AND TollgateCustomerId = "${customerId}"`);
  await printWhereTimeGoes(client, "Where a customer provision's time goes", customerWorkflow, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, provisioned.span);

  const free = await timed(() => provisionSubscription(api, freePlanBody(customerId), 'SUCCESS'));
  const freeWorkflow = await findWorkflowId(client, `TollgateSubscriptionId = "${free.result}"`);
  await printWhereTimeGoes(client, "Where a free-plan subscription provision's time goes", freeWorkflow, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED, free.span);

  await api('POST', '/v1/customers', customerBody(`${customerId}-paid`));
  const paid = await timed(() => provisionSubscription(api, paidPlanBody(`${customerId}-paid`), 'PAYMENT_REQUIRED'));
  const paidWorkflow = await findWorkflowId(client, `TollgateSubscriptionId = "${paid.result}"`);
  await printWhereTimeGoes(client, "Where a paid plan's PAYMENT_REQUIRED answer's time goes", paidWorkflow, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED, paid.span);
}

// The summary, and how much slower the last tenth of the rounds ran than the first: above 1, something grows with use.
function withDrift(samples: number[]): { summary: LatencySummary; drift: number } {
  const tenth = Math.max(1, Math.floor(samples.length / 10));
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  return { summary: summarise(samples), drift: mean(samples.slice(-tenth)) / mean(samples.slice(0, tenth)) };
}

function print(figures: Figures) {
  const width = Math.max(...Object.keys(figures).map((name) => name.length));
  const ms = (value: number) => `${value.toFixed(1).padStart(7)} ms`;
  // Shared machines are noisy: the load says how much to trust the figures.
  console.log(`\nSequential latency, ${ROUNDS} rounds each (BENCH_ROUNDS to change), ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}`);
  console.log('Billing: the in-process Stripe sandbox (only the paid plan calls it). drift: mean of the last tenth of the rounds / the first tenth\n');
  console.log(`${'path'.padEnd(width)}  ${'p50'.padStart(10)} ${'p90'.padStart(10)} ${'p99'.padStart(10)} ${'mean'.padStart(10)} ${'drift'.padStart(6)}`);
  for (const [name, { summary, drift }] of Object.entries(figures)) {
    console.log(`${name.padEnd(width)}  ${ms(summary.p50)} ${ms(summary.p90)} ${ms(summary.p99)} ${ms(summary.mean)} ${`${drift.toFixed(2)}x`.padStart(6)}`);
  }
  const floor = figures[NOOP_FLOOR]!.summary;
  console.log(`\nAgainst the no-op workflow's start to result on the same server (p50 ${floor.p50.toFixed(1)} ms, p99 ${floor.p99.toFixed(1)} ms); target for subscriptions: <= 3x`);
  for (const name of [CUSTOMER_PROVISION, FREE_SUBSCRIPTION, PAID_SUBSCRIPTION]) {
    const { p50, p99 } = figures[name]!.summary;
    const verdict = name === CUSTOMER_PROVISION ? '' : p50 / floor.p50 <= 3 ? '  (p50 within target)' : '  (p50 OVER target)';
    console.log(`  ${name.padEnd(width)}  p50 ${(p50 / floor.p50).toFixed(2).padStart(5)}x   p99 ${(p99 / floor.p99).toFixed(2).padStart(5)}x${verdict}`);
  }
  const activity = figures[ACTIVITY_FLOOR]!.summary.p50;
  console.log(`one activity round trip adds ~${(activity - floor.p50).toFixed(1)} ms at p50 over the no-op workflow`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
