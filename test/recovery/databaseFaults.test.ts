import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type RunningPostgres } from '../../src/infra/embeddedPostgres';
import { stopLeftoverProcess } from '../../src/infra/leftoverProcess';
import { startDevProcess, type DevProcess } from '../support/devProcess';
import { freePort } from '../support/freePort';

const API_KEY = 'tg_database_fault_test_key_0123456789';
const FREE_ONLY_CATALOG = `
products: [{ id: product-app, displayName: App }]
features: [{ id: feature-calls, displayName: Calls, featureType: NUMBER, meterType: Incremental }]
plans: [{ id: plan-free, productId: product-app, displayName: Free, pricingType: FREE }]
`;

type Answer = { status: number; body: { error?: { code: string }; postgres?: string; customer?: { customerId: string } } };

// The whole service (API + worker, as `npm start` runs them) on a Postgres of its own that this test drops,
// freezes and restarts; the shared test Postgres is never signalled.
describe('Postgres faults under a running service', () => {
  let pgDir: string;
  let devDir: string;
  let pgPort: number;
  let postgres: RunningPostgres | undefined;
  let frozen = false;
  let env: Record<string, string>;
  let service: DevProcess;
  const acknowledged = new Set<string>();
  let nextCustomer = 0;

  const postmasterPid = () => Number(readFileSync(join(pgDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  // Every Postgres process (each backend is in a session of its own) is the postmaster or its child:
  // the postmaster first, so it forks nothing new in between.
  const signalPostgres = (signal: NodeJS.Signals) => {
    const pid = postmasterPid();
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    for (const target of [pid, ...children]) process.kill(target, signal);
  };

  beforeAll(async () => {
    pgDir = mkdtempSync(join(tmpdir(), 'tollgate-dbfault-pg-'));
    devDir = mkdtempSync(join(tmpdir(), 'tollgate-dbfault-dev-'));
    // Postgres runs as the unprivileged "postgres" user when we are root; it must reach its folder.
    chmodSync(pgDir, 0o755);
    chmodSync(devDir, 0o755);
    pgPort = await freePort();
    postgres = await startEmbeddedPostgres({ dataDir: pgDir, port: pgPort, database: 'tollgate' });
    writeFileSync(join(devDir, 'catalog.yaml'), FREE_ONLY_CATALOG);
    env = {
      PORT: String(await freePort()),
      TOLLGATE_DATA_DIR: devDir,
      DATABASE_URL: postgres.connectionString(),
      DATABASE_CONNECT_TIMEOUT_MS: '2000',
      DATABASE_STATEMENT_TIMEOUT_MS: '2000',
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      TOLLGATE_API_KEY: API_KEY,
      TOLLGATE_CATALOG_FILE: join(devDir, 'catalog.yaml'),
      BILLING_PROVIDER: 'none',
    };
    // The service migrates the empty database at start, as `npm start` does.
    service = startDevProcess(env);
    await service.ready;
  });

  afterAll(async () => {
    if (frozen) signalPostgres('SIGCONT');
    if (service && service.child.exitCode === null) {
      service.child.kill('SIGINT');
      await service.exited;
    }
    // A service that died leaves its Temporal dev server behind: stop it, so a failure costs no stray process.
    const temporalPidFile = join(devDir, 'temporal.pid');
    if (existsSync(temporalPidFile)) await stopLeftoverProcess(Number(readFileSync(temporalPidFile, 'utf8')), 'temporal');
    await postgres?.stop();
    rmSync(pgDir, { recursive: true, force: true });
    rmSync(devDir, { recursive: true, force: true });
  });

  // A bound on every call so a hang fails the test with a message instead of running into its timeout.
  async function call(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const response = await fetch(`http://127.0.0.1:${env.PORT}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(40_000),
    });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  }

  async function provision(): Promise<Answer> {
    const customerId = `fault-customer-${nextCustomer++}`;
    // With a key, so the idempotency store's claim and settle steps meet the faults too.
    const answer = await call('POST', '/v1/customers', { customerId, email: `${customerId}@example.com` }, { 'idempotency-key': `key-${customerId}` });
    if (answer.status === 201 || answer.status === 200) acknowledged.add(customerId);
    return answer;
  }

  async function terminateBackends(): Promise<void> {
    const admin = new pg.Client({ connectionString: postgres!.connectionString() });
    await admin.connect();
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where usename = current_user and pid <> pg_backend_pid()');
    await admin.end();
  }

  async function untilHealthy(): Promise<void> {
    for (let attempt = 0; attempt < 150; attempt++) {
      const health = await call('GET', '/health');
      if (health.status === 200) return;
      await sleep(200);
    }
    throw new Error('the service did not report healthy again');
  }

  // While Postgres cannot answer: /health says so and a read is refused with a retryable 503, not a hang or a 500.
  async function expectDatabaseDown() {
    const health = await call('GET', '/health');
    expect(health.status).toBe(503);
    expect(health.body.postgres).toBe('down');
    const read = await call('GET', '/v1/customers/fault-customer-0');
    expect(read.status).toBe(503);
    expect(read.body.error?.code).toBe('DATABASE_UNAVAILABLE');
  }

  function expectServiceRunning() {
    expect(service.child.exitCode).toBeNull();
    expect(service.output()).not.toMatch(/Unhandled 'error' event|uncaught/i);
  }

  it('survives terminated connections: requests in flight answer or get a 503, the next ones succeed', { timeout: 120_000 }, async () => {
    for (let i = 0; i < 3; i++) expect((await provision()).status).toBe(201);

    const inFlight = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? provision() : call('GET', `/v1/customers/fault-customer-${i % 3}`)));
    for (let round = 0; round < 3; round++) {
      await terminateBackends();
      await sleep(50);
    }
    const statuses = (await Promise.all(inFlight)).map((answer) => answer.status);
    for (const status of statuses) expect([200, 201, 503]).toContain(status);
    // Idle connections, dropped while nobody used them: a few reads first leave some in the pool (on a busy
    // machine every in-flight request may have failed, and a failed connection is not kept).
    await untilHealthy();
    await Promise.all(Array.from({ length: 4 }, () => call('GET', '/v1/customers/fault-customer-0')));
    await terminateBackends();

    await untilHealthy();
    expectServiceRunning();
    for (let waited = 0; waited < 5_000 && !service.output().includes('an idle database connection was lost'); waited += 100) await sleep(100);
    expect(service.output()).toContain('an idle database connection was lost');
    expect((await call('GET', '/v1/customers/fault-customer-0')).status).toBe(200);
    expect((await provision()).status).toBe(201);
  });

  it('answers 503 while Postgres is frozen and recovers once it runs again', { timeout: 120_000 }, async () => {
    signalPostgres('SIGSTOP');
    frozen = true;
    await expectDatabaseDown();
    expect((await provision()).status).toBe(503);

    signalPostgres('SIGCONT');
    frozen = false;
    await untilHealthy();
    expectServiceRunning();
    expect((await call('GET', '/v1/customers/fault-customer-0')).status).toBe(200);
    expect((await provision()).status).toBe(201);
  });

  it('answers 503 while Postgres restarts and recovers on the new server', { timeout: 120_000 }, async () => {
    await postgres!.stop();
    postgres = undefined;
    await expectDatabaseDown();

    postgres = await startEmbeddedPostgres({ dataDir: pgDir, port: pgPort, database: 'tollgate' });
    await untilHealthy();
    expectServiceRunning();
    expect((await call('GET', '/v1/customers/fault-customer-0')).status).toBe(200);
    expect((await provision()).status).toBe(201);
  });

  it('keeps every usage report it acknowledged when Postgres is killed mid-stream, and the counter matches its log', { timeout: 120_000 }, async () => {
    const customerId = 'fault-usage-customer';
    expect((await call('POST', '/v1/customers', { customerId })).status).toBe(201);
    const first = await call('POST', '/v1/usage', { customerId, featureId: 'feature-calls', value: 1 });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const acknowledgedUsage: string[] = [];
    const report = async (index: number) => {
      const answer = await call('POST', '/v1/usage', { customerId, featureId: 'feature-calls', value: index + 1 }).catch(() => undefined);
      const body = answer?.body as { measurementId?: string } | undefined;
      if (answer?.status === 200 && body?.measurementId) acknowledgedUsage.push(body.measurementId);
      return answer?.status;
    };
    const inFlight = Array.from({ length: 80 }, (_, index) => sleep(index * 5).then(() => report(index)));
    // Killed while reports are still arriving, once some were acknowledged.
    for (let waited = 0; acknowledgedUsage.length < 5 && waited < 10_000; waited += 5) await sleep(5);
    signalPostgres('SIGKILL');
    const statuses = await Promise.all(inFlight);
    for (const status of statuses) expect([200, 503]).toContain(status);
    expect(acknowledgedUsage.length).toBeGreaterThan(0);

    postgres = await startEmbeddedPostgres({ dataDir: pgDir, port: pgPort, database: 'tollgate' });
    await untilHealthy();
    expectServiceRunning();
    const admin = new pg.Client({ connectionString: postgres.connectionString() });
    await admin.connect();
    const logged = await admin.query<{ id: string; value: string }>('select id, value from usage_measurements where customer_id = $1', [customerId]);
    const counter = await admin.query<{ value: string }>('select value from usage_counters where customer_id = $1', [customerId]);
    await admin.end();
    const loggedIds = new Set(logged.rows.map((row) => row.id));
    for (const id of acknowledgedUsage) expect(loggedIds.has(id)).toBe(true);
    expect(Number(counter.rows[0]!.value)).toBe(logged.rows.reduce((sum, row) => sum + Number(row.value), 0));
    expect((await call('POST', '/v1/usage', { customerId, featureId: 'feature-calls', value: 1 })).status).toBe(200);
  });

  it('lost nothing it acknowledged, and still stops cleanly', { timeout: 120_000 }, async () => {
    expect(acknowledged.size).toBeGreaterThanOrEqual(6);
    for (const customerId of acknowledged) expect((await call('GET', `/v1/customers/${customerId}`)).status).toBe(200);
    const admin = new pg.Client({ connectionString: postgres!.connectionString() });
    await admin.connect();
    const stored = await admin.query<{ id: string }>('select id from customers');
    await admin.end();
    for (const customerId of acknowledged) expect(stored.rows.map((row) => row.id)).toContain(customerId);

    expectServiceRunning();
    service.child.kill('SIGINT');
    expect(await service.exited).toBe(0);
  });
});
