import { statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_SECRET_KEY } from '../../src/sandbox/secretKey';
import { prepareDevInstance, startDevProcess, stopIfRunning, type DevInstanceFolder, type DevProcess } from '../support/devProcess';

const API_KEY = 'tg_server_sandbox_test_key_0123456789';
const CATALOG_WITH_PAID_PLAN = `
products: [{ id: product-app, displayName: App }]
plans:
  - { id: plan-free, productId: product-app, displayName: Free, pricingType: FREE }
  - { id: plan-paid, productId: product-app, displayName: Paid, pricingType: PAID, prices: [{ billingPeriod: MONTHLY, billingModel: FLAT_FEE, currency: usd, amount: 900 }] }
`;

// `npm start` with no Stripe key bills through its in-process Stripe sandbox, and keeps it across restarts.
describe('npm start without a Stripe key', () => {
  let env: Record<string, string>;
  let running: DevProcess | undefined;
  let instance: DevInstanceFolder | undefined;

  beforeAll(async () => {
    instance = await prepareDevInstance({ name: 'sandbox', apiKey: API_KEY, catalog: CATALOG_WITH_PAID_PLAN });
    env = instance.env;
  });

  afterAll(async () => {
    await stopIfRunning(running);
    instance?.remove();
  });

  const start = async () => {
    running = startDevProcess(env);
    await running.ready;
    return running.output().split('\n').find((line) => line.trimStart().startsWith('Billing'))!.trim();
  };
  const stop = async () => {
    running!.child.kill('SIGINT');
    expect(await running!.exited).toBe(0);
  };
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`http://127.0.0.1:${env.PORT}${path}`, { method, headers: { 'content-type': 'application/json', 'x-api-key': API_KEY }, body: body === undefined ? undefined : JSON.stringify(body) });
  // A real SDK client on the sandbox's port, to look at what Tollgate's Stripe adapter did there.
  const sandbox = () => new Stripe(SANDBOX_SECRET_KEY, { host: '127.0.0.1', port: Number(env.TOLLGATE_SANDBOX_PORT), protocol: 'http', maxNetworkRetries: 0 });

  it('gives customers a sandbox Stripe customer, declines the declined test card, and remembers them after a restart', { timeout: 240_000 }, async () => {
    const url = `http://127.0.0.1:${env.TOLLGATE_SANDBOX_PORT}`;
    expect(await start()).toBe(`Billing       sandbox (local Stripe stand-in at ${url}; no real charges)`);

    const created = await api('POST', '/v1/customers', { customerId: 'ada', name: 'Ada', email: 'ada@example.com', billingInfo: { currency: 'usd', paymentMethodId: 'pm_card_visa' } });
    expect(created.status).toBe(201);
    const { customer } = (await created.json()) as { customer: { billingId: string } };
    expect(customer.billingId).toMatch(/^cus_/);
    const atStripe = (await sandbox().customers.retrieve(customer.billingId)) as Stripe.Customer;
    expect(atStripe).toMatchObject({ name: 'Ada', email: 'ada@example.com', metadata: { tollgate_customer_id: 'ada' } });
    expect(atStripe.invoice_settings.default_payment_method).toMatch(/^pm_/);

    const declined = await api('POST', '/v1/customers', { customerId: 'bob', billingInfo: { paymentMethodId: 'pm_card_chargeDeclined' } });
    expect(declined.status).toBe(422);
    expect(((await declined.json()) as { error: { code: string } }).error.code).toBe('BILLING_PROVIDER_REJECTED');
    expect((await api('GET', '/v1/customers/bob')).status).toBe(404);
    await stop();

    // Postgres keeps Ada's Stripe id; the sandbox kept her too, so an update after the restart reaches her.
    await start();
    const renamed = await api('PATCH', '/v1/customers/ada', { name: 'Ada Lovelace' });
    expect(renamed.status).toBe(200);
    expect(((await sandbox().customers.retrieve(customer.billingId)) as Stripe.Customer).name).toBe('Ada Lovelace');
    await stop();
  });

  it("sends the sandbox's signed webhooks to its own /webhooks/stripe: a checkout paid on the sandbox's page makes the subscription ACTIVE", { timeout: 240_000 }, async () => {
    await stopIfRunning(running);
    await start();
    // The shared signing secret is made once, owner-only, in the data folder.
    expect(statSync(join(instance!.dataDir, 'stripe-webhook-secret')).mode & 0o777).toBe(0o600);
    expect(running!.output()).toContain(`Webhooks      http://127.0.0.1:${env.PORT}/webhooks/stripe (signing secret from ${join(instance!.dataDir, 'stripe-webhook-secret')}; the sandbox sends its events here)`);

    expect((await api('POST', '/v1/customers', { customerId: 'cleo', subscriptionParams: null })).status).toBe(201);
    const provisioned = await api('POST', '/v1/subscriptions', { customerId: 'cleo', planId: 'plan-paid', billingPeriod: 'MONTHLY', checkoutOptions: { successUrl: 'https://app.example.com/welcome', cancelUrl: 'https://app.example.com/pricing' } });
    const { provisionStatus, checkoutUrl, subscription } = (await provisioned.json()) as { provisionStatus: string; checkoutUrl: string; subscription: { id: string } };
    expect(provisionStatus).toBe('PAYMENT_REQUIRED');

    // What the Pay button of the hosted page does.
    const paid = await fetch(`${checkoutUrl}/pay`, { method: 'POST', redirect: 'manual' });
    expect([paid.status, paid.headers.get('location')]).toEqual([303, 'https://app.example.com/welcome']);
    let status = '';
    for (let attempt = 0; attempt < 300 && status !== 'ACTIVE'; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      status = ((await (await api('GET', `/v1/subscriptions/${subscription.id}`)).json()) as { status: string }).status;
    }
    expect(status).toBe('ACTIVE');
    await stop();
  });

  it('stops at once, naming TOLLGATE_SANDBOX_PORT, when the sandbox port is taken', { timeout: 60_000 }, async () => {
    await stopIfRunning(running);
    const squatter: Server = createServer();
    await new Promise<void>((done) => squatter.listen(Number(env.TOLLGATE_SANDBOX_PORT), '127.0.0.1', done));
    try {
      running = startDevProcess(env);
      // It never gets ready: that is the point.
      void running.ready.catch(() => undefined);
      expect(await running.exited).toBe(1);
      expect(running.output()).toContain(`port ${env.TOLLGATE_SANDBOX_PORT} (TOLLGATE_SANDBOX_PORT) is already in use`);
    } finally {
      await new Promise((done) => squatter.close(done));
    }
  });
});
