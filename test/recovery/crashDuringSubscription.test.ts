import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeSandbox, type StripeSandbox } from '../../src/sandbox/server';
import { prepareDevInstance, startDevProcess, stopIfRunning, type DevInstanceFolder, type DevProcess } from '../support/devProcess';
import { EXAMPLE_CATALOG_FILE } from '../support/exampleCatalog';
import { startHoldingProxy, type HoldingProxy } from '../support/holdingProxy';

const API_KEY = 'tg_server_crash_subscription_key_0123';

// The whole process (API + worker) dies while provisioning a paid subscription; after a restart on the same data
// the caller's retry (same Idempotency-Key) gets it, and it exists exactly once at Stripe and in Postgres.
describe('a crash in the middle of provisioning a paid subscription', () => {
  let stripe: StripeSandbox;
  // Between the worker and Stripe, to hold back Stripe's answer to one chosen request.
  let proxy: HoldingProxy;
  let env: Record<string, string>;
  let running: DevProcess | undefined;
  let instance: DevInstanceFolder | undefined;
  let database: pg.Client | undefined;
  // A client of the process's Postgres; the process stops that server when it starts again, which the client only notes.
  const connectDatabase = async () => {
    const client = new pg.Client({ connectionString: `postgres://tollgate:tollgate@127.0.0.1:${env.TOLLGATE_PG_PORT}/tollgate` });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };

  beforeAll(async () => {
    stripe = await startStripeSandbox();
    proxy = await startHoldingProxy(stripe.url);
    instance = await prepareDevInstance({
      name: 'crash-subscription',
      apiKey: API_KEY,
      catalog: readFileSync(EXAMPLE_CATALOG_FILE, 'utf8'),
      env: { STRIPE_SECRET_KEY: 'sk_test_crash_subscription', STRIPE_API_BASE: proxy.url },
    });
    env = instance.env;
    running = startDevProcess(env);
    await running.ready;
    database = await connectDatabase();
    // The catalog file is applied at start; its sync creates the Stripe prices a paid subscription needs.
    const basicPriceSynced = () => [...stripe.state.prices.values()].some((price) => price.metadata.tollgate_package_id === 'plan-basic');
    for (let i = 0; i < 1200 && !basicPriceSynced(); i++) await sleep(100);
    expect(basicPriceSynced()).toBe(true);
  }, 180_000);

  afterAll(async () => {
    await database?.end().catch(() => undefined);
    await stopIfRunning(running);
    await proxy?.close();
    await stripe?.close();
    instance?.remove();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
    fetch(`http://127.0.0.1:${env.PORT}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, ...headers },
      body: JSON.stringify(body),
      signal,
    });

  async function customerWithCard(customerId: string): Promise<string> {
    const created = await post('/v1/customers', { customerId, email: `${customerId}@example.com`, billingInfo: { paymentMethodId: 'pm_card_visa' }, subscriptionParams: null });
    expect(created.status).toBe(201);
    const { customer } = (await created.json()) as { customer: { billingId: string } };
    return customer.billingId;
  }

  const provision = (customerId: string, signal?: AbortSignal) =>
    post('/v1/subscriptions', { customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY' }, { 'idempotency-key': `provision-${customerId}` }, signal);

  // The first attempt's caller hangs up when the process dies; the same request is sent again until the restarted
  // process answers (503 while the recovered workflow has not finished yet).
  async function killRestartAndRetry(customerId: string, abandoned: AbortController): Promise<Response> {
    running!.child.kill('SIGKILL');
    await running!.exited;
    abandoned.abort();
    running = startDevProcess(env);
    await running.ready;
    await database!.end().catch(() => undefined);
    database = await connectDatabase();
    let response: Response | undefined;
    for (let attempt = 0; attempt < 20; attempt++) {
      response = await provision(customerId);
      if (response.status !== 503) break;
    }
    return response!;
  }

  // Exactly one subscription at Stripe and one row here, linked, active, with one paid invoice.
  async function expectProvisionedOnce(customerId: string, customerBillingId: string, response: Response) {
    const text = await response.text();
    expect(response.status, text).toBe(201);
    const body = JSON.parse(text) as { provisionStatus: string; subscription: { id: string; status: string; billingId: string } };
    expect(body.provisionStatus).toBe('SUCCESS');

    const atStripe = [...stripe.state.subscriptions.values()].filter((s) => s.customer === customerBillingId);
    expect(atStripe.map((s) => s.status)).toEqual(['active']);
    const rows = await database!.query('select id, billing_id, status from subscriptions where customer_id = $1', [customerId]);
    expect(rows.rows).toEqual([{ id: body.subscription.id, billing_id: atStripe[0]!.id, status: 'ACTIVE' }]);
    expect(body.subscription).toMatchObject({ status: 'ACTIVE', billingId: atStripe[0]!.id });

    const invoices = [...stripe.state.invoices.values()].filter((i) => i.customer === customerBillingId);
    expect(invoices.map((i) => [i.status, i.amount_paid])).toEqual([['paid', 1900]]);
    // Every attempt to create it at Stripe was the same request (one idempotency key).
    const creates = stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/subscriptions' && r.body.customer === customerBillingId);
    expect(new Set(creates.map((r) => r.idempotencyKey)).size).toBe(1);
  }

  it('killed after Stripe created the subscription, before its answer reached the worker', { timeout: 300_000 }, async () => {
    const customerId = 'crash-sub-before-answer';
    const customerBillingId = await customerWithCard(customerId);

    // Stripe commits the subscription but its answer never reaches the worker: the process dies first.
    const held = proxy.holdNextAnswer('POST', '/v1/subscriptions');
    const abandoned = new AbortController();
    void provision(customerId, abandoned.signal).catch(() => undefined);
    await held.arrived;
    expect([...stripe.state.subscriptions.values()].filter((s) => s.customer === customerBillingId)).toHaveLength(1);
    const response = await killRestartAndRetry(customerId, abandoned);
    held.release();

    await expectProvisionedOnce(customerId, customerBillingId, response);
  });

  it('killed after the subscription was recorded here, before the caller got the answer', { timeout: 300_000 }, async () => {
    const customerId = 'crash-sub-after-record';
    const customerBillingId = await customerWithCard(customerId);

    // The test holds the idempotency table, so the API cannot store (nor send) the answer it got from the workflow.
    const blocker = await connectDatabase();
    const abandoned = new AbortController();
    try {
      const held = proxy.holdNextAnswer('POST', '/v1/subscriptions');
      void provision(customerId, abandoned.signal).catch(() => undefined);
      await held.arrived;
      await blocker.query('begin');
      await blocker.query('lock table idempotent_requests in exclusive mode');
      held.release();
      const answerWaiting = async () => {
        const recorded = await database!.query(`select 1 from subscriptions where customer_id = $1 and billing_id is not null`, [customerId]);
        const blocked = await database!.query(`select 1 from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 'idempotent_requests' and not l.granted`);
        return recorded.rowCount === 1 && blocked.rowCount! > 0;
      };
      for (let i = 0; i < 1200 && !(await answerWaiting()); i++) await sleep(50);
      expect(await answerWaiting()).toBe(true);
    } finally {
      running!.child.kill('SIGKILL');
      await running!.exited;
      // Postgres outlives the process and would still apply the write that waits: it dies with its connection first.
      await blocker.query(`select pg_terminate_backend(l.pid) from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 'idempotent_requests' and not l.granted`).catch(() => undefined);
      await blocker.end().catch(() => undefined);
    }
    const response = await killRestartAndRetry(customerId, abandoned);
    // The answer comes from the recovered workflow, not from a stored replay: the crash hit the window it aims at.
    expect(response.headers.get('idempotent-replayed')).toBeNull();

    await expectProvisionedOnce(customerId, customerBillingId, response);
  });
});
