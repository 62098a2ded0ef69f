import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeSandbox, type StripeSandbox } from '../../src/sandbox/server';
import { prepareDevInstance, startDevProcess, stopIfRunning, type DevInstanceFolder, type DevProcess } from '../support/devProcess';
import { EXAMPLE_CATALOG_FILE } from '../support/exampleCatalog';
import { startHoldingProxy, type HoldingProxy } from '../support/holdingProxy';

const API_KEY = 'tg_server_crash_update_key_0123456789';

// The whole process (API + worker) dies while updating a paid subscription, after Stripe applied the change and
// before its answer reached the worker; after a restart the caller's retry (same Idempotency-Key) gets the update,
// applied exactly once: one Stripe change (one idempotency key), one proration invoice, one history entry.
describe('a crash in the middle of a subscription update', () => {
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
      name: 'crash-update',
      apiKey: API_KEY,
      catalog: readFileSync(EXAMPLE_CATALOG_FILE, 'utf8'),
      env: { STRIPE_SECRET_KEY: 'sk_test_crash_update', STRIPE_API_BASE: proxy.url },
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

  const patch = (subscriptionId: string, body: unknown, key: string, signal?: AbortSignal) =>
    fetch(`http://127.0.0.1:${env.PORT}/v1/subscriptions/${subscriptionId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, 'idempotency-key': key },
      body: JSON.stringify(body),
      signal,
    });

  it('killed after Stripe applied the change, before its answer reached the worker', { timeout: 300_000 }, async () => {
    const customerId = 'crash-update-before-answer';
    const customerBillingId = await customerWithCard(customerId);
    const provisioned = await post('/v1/subscriptions', { customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    expect(provisioned.status).toBe(201);
    const { subscription } = (await provisioned.json()) as { subscription: { id: string; billingId: string; status: string } };
    expect(subscription.status).toBe('ACTIVE');

    // Stripe commits the change but its answer never reaches the worker: the process dies first.
    const held = proxy.holdNextAnswer('POST', `/v1/subscriptions/${subscription.billingId}`);
    const change = { addons: [{ addonId: 'addon-extra-projects', quantity: 2 }] };
    const abandoned = new AbortController();
    void patch(subscription.id, change, 'add-projects-1', abandoned.signal).catch(() => undefined);
    await held.arrived;
    running!.child.kill('SIGKILL');
    await running!.exited;
    abandoned.abort();
    held.release();
    running = startDevProcess(env);
    await running.ready;
    await database!.end().catch(() => undefined);
    database = await connectDatabase();

    let response: Response | undefined;
    for (let attempt = 0; attempt < 40; attempt++) {
      response = await patch(subscription.id, change, 'add-projects-1');
      if (response.status !== 503) break;
      await sleep(250);
    }
    const text = await response!.text();
    expect(response!.status, text).toBe(200);
    expect((JSON.parse(text) as { addons: unknown[] }).addons).toEqual([{ addonId: 'addon-extra-projects', quantity: 2, version: 1 }]);

    const atStripe = stripe.state.subscriptions.get(subscription.billingId)!;
    const items = (atStripe.items as { data: { quantity: number; price: { metadata: Record<string, string> } }[] }).data;
    expect(items.map((item) => [item.price.metadata.tollgate_package_id, item.quantity]).sort()).toEqual([['addon-extra-projects', 2], ['plan-basic', 1]]);
    // Every attempt to change it at Stripe was the same request (one idempotency key), and it was invoiced once.
    const updates = stripe.requests.filter((r) => r.method === 'POST' && r.path === `/v1/subscriptions/${subscription.billingId}`);
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(new Set(updates.map((r) => r.idempotencyKey)).size).toBe(1);
    const prorations = [...stripe.state.invoices.values()].filter((i) => i.customer === customerBillingId && i.billing_reason === 'subscription_update');
    expect(prorations).toHaveLength(1);
    const history = await database!.query(`select transition from subscription_history where subscription_id = $1 order by id`, [subscription.id]);
    expect(history.rows.map((row) => row.transition)).toEqual(['CREATED', 'UPDATED']);
  });
});
