import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { prepareDevInstance, startDevProcess, stopIfRunning, type DevProcess } from '../test/support/devProcess';
import { createBaselineActivities } from './baseline.activities';
import type { noopWorkflow, oneActivityWorkflow } from './baseline.workflows';
import { summarise, timeSequentially, type LatencySummary } from './latency';

// `npm run bench`: figures for people, never run in CI. It starts `npm start` exactly as a user would (embedded
// Postgres, Temporal dev server, API and worker in one process) on a throw-away data folder, then measures each
// path sequentially on an otherwise idle service, beside Temporal's own floor on the same server.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const WARM_UP = 20;
const API_KEY = 'tg_server_bench_key_0123456789abcdef';

async function main() {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const instance = await prepareDevInstance({ name: 'bench', apiKey: API_KEY, env: { BILLING_PROVIDER: 'none', LOG_LEVEL: 'warn' } });
  let service: DevProcess | undefined;
  try {
    service = startDevProcess(instance.env);
    await service.ready;
    const api = `http://127.0.0.1:${instance.env.PORT}`;
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${api}${path}`, { method, headers: { 'content-type': 'application/json', 'x-api-key': API_KEY }, body: body === undefined ? undefined : JSON.stringify(body) });
      if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
    };
    const run = `bench-${Date.now()}`;
    const provision = (index: number) => call('POST', '/v1/customers', { customerId: `${run}-${index}`, name: 'Bench', email: 'bench@example.com' });
    await timeSequentially(WARM_UP, (index) => provision(ROUNDS + index));

    const figures: Record<string, LatencySummary> = {};
    figures['POST /v1/customers (provision, a workflow with 2 activities)'] = summarise(await timeSequentially(ROUNDS, provision));
    figures['GET /v1/customers/:id (read, no Temporal)'] = summarise(await timeSequentially(ROUNDS, (index) => call('GET', `/v1/customers/${run}-${index}`)));
    figures['GET /health (Postgres + Temporal probe)'] = summarise(await timeSequentially(ROUNDS, () => call('GET', '/health')));

    const address = `127.0.0.1:${instance.env.TEMPORAL_PORT}`;
    const taskQueue = `bench-baseline-${randomUUID()}`;
    const worker = await Worker.create({
      connection: await NativeConnection.connect({ address }),
      taskQueue,
      workflowsPath: require.resolve('./baseline.workflows'),
      activities: createBaselineActivities(),
    });
    const client = new Client({ connection: await Connection.connect({ address }) });
    await worker.runUntil(async () => {
      const execute = (workflow: 'noopWorkflow' | 'oneActivityWorkflow') => async () => {
        await client.workflow.execute<typeof noopWorkflow | typeof oneActivityWorkflow>(workflow, { taskQueue, workflowId: `${workflow}-${randomUUID()}` });
      };
      await timeSequentially(WARM_UP, execute('oneActivityWorkflow'));
      figures['Temporal floor: a no-op workflow, start to result'] = summarise(await timeSequentially(ROUNDS, execute('noopWorkflow')));
      figures['Temporal floor: one no-op activity, start to result'] = summarise(await timeSequentially(ROUNDS, execute('oneActivityWorkflow')));
    });

    print(figures);
    await printWhereTimeGoes(client);
  } finally {
    await stopIfRunning(service);
    instance.remove();
  }
}

// One provisioning workflow's history, event by event, with the time since it started: where its latency goes.
async function printWhereTimeGoes(client: Client) {
  let workflowId: string | undefined;
  for await (const execution of client.workflow.list({ query: 'WorkflowType = "provisionCustomerWorkflow"' })) {
    workflowId = execution.workflowId;
    break;
  }
  if (!workflowId) return;
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const at = (event: temporal.api.history.v1.IHistoryEvent) => Number(event.eventTime?.seconds ?? 0) * 1000 + (event.eventTime?.nanos ?? 0) / 1e6;
  const start = at(events[0]!);
  let previous = start;
  console.log(`\nWhere a provision's time goes (history of ${workflowId}):`);
  for (const event of events) {
    const name = temporal.api.enums.v1.EventType[event.eventType ?? 0]?.replace('EVENT_TYPE_', '') ?? String(event.eventType);
    console.log(`  +${(at(event) - start).toFixed(1).padStart(6)} ms  (${(at(event) - previous).toFixed(1).padStart(5)} ms after the previous)  ${name}`);
    previous = at(event);
  }
}

function print(figures: Record<string, LatencySummary>) {
  const width = Math.max(...Object.keys(figures).map((name) => name.length));
  const ms = (value: number) => `${value.toFixed(1).padStart(7)} ms`;
  // Shared machines are noisy: the load says how much to trust the figures.
  console.log(`\nSequential latency, ${ROUNDS} rounds each (BENCH_ROUNDS to change), ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}\n`);
  console.log(`${'path'.padEnd(width)}  ${'p50'.padStart(10)} ${'p90'.padStart(10)} ${'p99'.padStart(10)} ${'mean'.padStart(10)}`);
  for (const [name, summary] of Object.entries(figures)) {
    console.log(`${name.padEnd(width)}  ${ms(summary.p50)} ${ms(summary.p90)} ${ms(summary.p99)} ${ms(summary.mean)}`);
  }
  const provision = figures['POST /v1/customers (provision, a workflow with 2 activities)']!.p50;
  const floor = figures['Temporal floor: a no-op workflow, start to result']!.p50;
  const activity = figures['Temporal floor: one no-op activity, start to result']!.p50;
  console.log(`\nprovision p50 / no-op workflow p50 = ${(provision / floor).toFixed(2)}x (target for subscriptions: <= 3x)`);
  console.log(`one activity round trip adds ~${(activity - floor).toFixed(1)} ms at p50 over the no-op workflow`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
