import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDevInstance, startDevProcess, stopIfRunning, type DevInstanceFolder, type DevProcess } from '../support/devProcess';
import { startStripeSandbox, type StripeSandbox } from '../../src/sandbox/server';

const API_KEY = 'tg_server_crash_test_key_0123456789';
// The whole process (API + worker) dies while a provisioning workflow waits on Stripe; after a restart on
// the same data the workflow finishes, and the customer exists exactly once in Stripe and in Postgres.
describe('a crash in the middle of provisioning', () => {
  let stripe: StripeSandbox;
  let env: Record<string, string>;
  let running: DevProcess | undefined;
  let instance: DevInstanceFolder | undefined;

  beforeAll(async () => {
    stripe = await startStripeSandbox();
    instance = await prepareDevInstance({ name: 'crash', apiKey: API_KEY, env: { STRIPE_SECRET_KEY: 'sk_test_crash', STRIPE_API_BASE: stripe.url } });
    env = instance.env;
  });

  afterAll(async () => {
    await stopIfRunning(running);
    await stripe?.close();
    instance?.remove();
  });

  const provision = (signal?: AbortSignal) =>
    fetch(`http://127.0.0.1:${env.PORT}/v1/customers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify({ customerId: 'crash-customer', email: 'crash@example.com', billingInfo: { currency: 'usd', metadata: { source: 'crash-test' } } }),
      signal,
    });

  it('finishes the workflow exactly once after the process is killed and started again', { timeout: 180_000 }, async () => {
    running = startDevProcess(env);
    await running.ready;

    // Stripe commits the customer but the answer never reaches the worker: the process dies first.
    stripe.delayNext(120_000);
    const abandoned = new AbortController();
    void provision(abandoned.signal).catch(() => undefined);
    for (let i = 0; i < 200 && !stripe.requests.some((r) => r.path === '/v1/customers'); i++) await sleep(50);
    expect(stripe.state.customers.size).toBe(1);
    running.child.kill('SIGKILL');
    await running.exited;
    abandoned.abort();

    running = startDevProcess(env);
    await running.ready;
    // The caller retries the same request; it joins the recovered workflow and gets its result.
    let response: Response | undefined;
    for (let attempt = 0; attempt < 10; attempt++) {
      response = await provision();
      if (response.status !== 503) break;
    }
    expect(response!.status === 201 || response!.status === 200).toBe(true);
    const body = (await response!.json()) as { customer: { customerId: string; billingId: string } };
    expect(body.customer.billingId).toBe([...stripe.state.customers.keys()][0]);
    expect(stripe.state.customers.size).toBe(1);
    const creates = stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/customers');
    expect(new Set(creates.map((r) => r.idempotencyKey)).size).toBe(1);

    const client = new pg.Client({ connectionString: `postgres://tollgate:tollgate@127.0.0.1:${env.TOLLGATE_PG_PORT}/tollgate` });
    await client.connect();
    const rows = await client.query('select id, billing_id from customers');
    await client.end();
    expect(rows.rows).toEqual([{ id: 'crash-customer', billing_id: body.customer.billingId }]);

    running.child.kill('SIGINT');
    expect(await running.exited).toBe(0);
  });
});
