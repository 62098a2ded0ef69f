import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDevInstance, startDevProcess, stopIfRunning, type DevInstanceFolder, type DevProcess } from '../support/devProcess';
import { startStripeSandbox, type StripeSandbox } from '../../src/sandbox/server';

const API_KEY = 'tg_server_crash_update_key_0123456789';
// The process (API + worker) is killed while a PATCH sent with an Idempotency-Key waits on Stripe. After a
// restart, another caller renames the customer, then the first caller retries with its key: it gets the
// outcome of its own update, the newer name stays, and Stripe was asked to apply the rename once.
describe('a crash in the middle of an update sent with an Idempotency-Key', () => {
  let stripe: StripeSandbox;
  let env: Record<string, string>;
  let running: DevProcess | undefined;
  let instance: DevInstanceFolder | undefined;

  beforeAll(async () => {
    stripe = await startStripeSandbox();
    instance = await prepareDevInstance({ name: 'crash-update', apiKey: API_KEY, env: { STRIPE_SECRET_KEY: 'sk_test_crash', STRIPE_API_BASE: stripe.url } });
    env = instance.env;
  });

  afterAll(async () => {
    await stopIfRunning(running);
    await stripe?.close();
    instance?.remove();
  });

  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
    fetch(`http://127.0.0.1:${env.PORT}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  // A caller retries while the answer is "still processing" (the recovered workflow waits out its activity timeout).
  async function untilAnswered(send: () => Promise<Response>) {
    for (let attempt = 0; attempt < 10; attempt++) {
      const response = await send();
      if (response.status !== 503) return response;
    }
    throw new Error('still processing after 10 attempts');
  }
  async function query(text: string) {
    const client = new pg.Client({ connectionString: `postgres://tollgate:tollgate@127.0.0.1:${env.TOLLGATE_PG_PORT}/tollgate` });
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  }

  it('answers the retry with the first outcome, keeps the newer update and applies the change once', { timeout: 240_000 }, async () => {
    running = startDevProcess(env);
    await running.ready;
    const created = await call('POST', '/v1/customers', { customerId: 'renamed', name: 'Before', billingInfo: { currency: 'usd' } });
    expect(created.status).toBe(201);
    const billingId = ((await created.json()) as { customer: { billingId: string } }).customer.billingId;
    const renamesTo = (name: string) =>
      stripe.requests.filter((r) => r.method === 'POST' && r.path === `/v1/customers/${billingId}` && r.body.name === name);

    // Stripe applies the rename but its answer never reaches the worker: the process dies first.
    stripe.delayNext(120_000);
    const abandoned = new AbortController();
    const rename = () => call('PATCH', '/v1/customers/renamed', { name: 'Original' }, { 'idempotency-key': 'rename-once' }, abandoned.signal);
    void rename().catch(() => undefined);
    for (let i = 0; i < 200 && renamesTo('Original').length === 0; i++) await sleep(50);
    expect(renamesTo('Original')).toHaveLength(1);
    expect(await query(`select workflow_run_id is not null as tied from idempotent_requests where key = 'rename-once'`)).toEqual([{ tied: true }]);
    running.child.kill('SIGKILL');
    await running.exited;
    abandoned.abort();

    running = startDevProcess(env);
    await running.ready;
    const newer = await untilAnswered(() => call('PATCH', '/v1/customers/renamed', { name: 'Newer' }));
    expect(newer.status).toBe(200);

    const retry = await untilAnswered(() => call('PATCH', '/v1/customers/renamed', { name: 'Original' }, { 'idempotency-key': 'rename-once' }));
    expect(retry.status).toBe(200);
    expect(await retry.json()).toMatchObject({ customerId: 'renamed', name: 'Original' });
    expect(((await (await call('GET', '/v1/customers/renamed')).json()) as { name: string }).name).toBe('Newer');
    expect(stripe.state.customers.get(billingId)?.name).toBe('Newer');
    // The rename reached Stripe again only as the retried activity, under the same idempotency key.
    expect(new Set(renamesTo('Original').map((r) => r.idempotencyKey)).size).toBe(1);

    running.child.kill('SIGINT');
    expect(await running.exited).toBe(0);
  });
});
