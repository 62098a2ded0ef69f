import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'kysely';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/createApp';
import { createDb } from '../../src/db/createDb';
import type { RequestRun } from '../../src/temporal/requestRun';
import { createWorkflowClients, type WorkflowClients } from '../../src/temporal/workflowClients';
import type { WorkflowStarterOptions } from '../../src/temporal/workflowStarter';
import { workflowIds } from '../../src/workflows/workflowIds';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { exampleCatalogInput } from '../support/exampleCatalog';
import { createTestEnvironment } from '../support/testEnvironment';

let harness: ApiHarness;
let apiKey: string;
let environmentId: string;

beforeAll(async () => {
  harness = await startApiHarness({ billing: 'stripe' });
  ({ apiKey, environmentId } = await createTestEnvironment(harness.database.db));
});
const doomedApis: { dies: () => Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(doomedApis.map((doomed) => doomed.dies()));
  await harness?.stop();
});

const api = () => request(harness.app);
const stripe = () => harness.stripe!;

// Another API process on the same database, Temporal server and worker. `dies()` takes its connections away as
// a kill -9 would: whatever it was in the middle of, it records nothing more.
async function startDoomedApi(wrap: (clients: WorkflowClients, dies: () => Promise<void>) => WorkflowClients = (clients) => clients) {
  const db = createDb(harness.database.url, { maxConnections: 2 });
  const connection = await Connection.connect({ address: harness.temporal.address });
  let dead: Promise<void> | undefined;
  const dies = () => (dead ??= Promise.allSettled([db.destroy(), connection.close()]).then(() => undefined));
  const clients = createWorkflowClients(new Client({ connection, namespace: harness.temporal.namespace }), { taskQueue: harness.taskQueue, searchAttributes: false });
  const app = createApp({ db, workflows: wrap(clients, dies), billingProvider: 'stripe', logger: pino({ level: 'silent' }), temporalHealthy: async () => true });
  doomedApis.push({ dies });
  return { app, dies };
}

// The moment after Temporal accepted the start, before the run is recorded on the key, is when the process dies.
const diesInsteadOfRecording = (requestRun: RequestRun, dies: () => Promise<void>): RequestRun => ({
  ...requestRun,
  recordStartedRun: async () => {
    await dies();
    throw new Error('the API process died here');
  },
});

function appWith(options: Partial<WorkflowStarterOptions>) {
  const clients = createWorkflowClients(harness.client, { taskQueue: harness.taskQueue, searchAttributes: false, ...options });
  return createApp({ db: harness.database.db, workflows: clients, billingProvider: 'stripe', logger: pino({ level: 'silent' }), temporalHealthy: async () => true });
}

async function until(condition: () => Promise<boolean> | boolean) {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition never became true');
}

const claimOf = (key: string) =>
  harness.database.db.selectFrom('idempotent_requests').selectAll().where('environment_id', '=', environmentId).where('key', '=', key).executeTakeFirst();

async function provisionWithBilling(customerId: string) {
  const created = await api().post('/v1/customers').set('X-API-KEY', apiKey).send({ customerId, name: 'Before', billingInfo: { currency: 'usd' } });
  expect(created.status).toBe(201);
  return created.body.customer.billingId as string;
}

// Stripe requests that renamed the billing customer to `name` (replays of one idempotency key count once).
const stripeRenames = (billingId: string, name: string) =>
  new Set(stripe().requests.filter((r) => r.method === 'POST' && r.path === `/v1/customers/${billingId}` && r.body.name === name).map((r) => r.idempotencyKey)).size;

describe('an Idempotency-Key request cut off by a crash', () => {
  it('is answered, when retried, with the outcome of the run it started; a newer update is kept and the change was made once', async () => {
    const billingId = await provisionWithBilling('crash-while-running');
    const path = '/v1/customers/crash-while-running';
    const doomed = await startDoomedApi();

    // Stripe takes the rename at once but answers late; the API process dies while its workflow waits.
    stripe().delayNext(6_000);
    const cutOff = request(doomed.app).patch(path).set('X-API-KEY', apiKey).set('Idempotency-Key', 'rename-1').send({ name: 'Original' }).then(
      () => undefined,
      () => undefined,
    );
    await until(async () => (await claimOf('rename-1'))?.workflow_run_id != null && stripeRenames(billingId, 'Original') === 1);
    await doomed.dies();

    // A retry that cannot wait for the run gets 503 and leaves the key tied to it.
    const early = await request(appWith({ resultTimeoutMs: 200 })).patch(path).set('X-API-KEY', apiKey).set('Idempotency-Key', 'rename-1').send({ name: 'Original' });
    expect(early.status).toBe(503);
    expect(early.body.error.code).toBe('STILL_PROCESSING');
    expect((await claimOf('rename-1'))?.workflow_run_id).not.toBeNull();

    // Another caller renames the customer afterwards (its update waits for the running one).
    const newer = await api().patch(path).set('X-API-KEY', apiKey).send({ name: 'Newer' });
    expect(newer.status).toBe(200);

    const retry = await api().patch(path).set('X-API-KEY', apiKey).set('Idempotency-Key', 'rename-1').send({ name: 'Original' });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ customerId: 'crash-while-running', name: 'Original' });
    expect((await api().get(path).set('X-API-KEY', apiKey)).body.name).toBe('Newer');
    expect(stripe().state.customers.get(billingId)?.name).toBe('Newer');
    expect(stripeRenames(billingId, 'Original')).toBe(1);

    const replay = await api().patch(path).set('X-API-KEY', apiKey).set('Idempotency-Key', 'rename-1').send({ name: 'Original' });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(retry.body);
    await cutOff;
  });

  it('between starting its workflow and recording the run: 409 within the start window, then the first outcome, applied once', async () => {
    const billingId = await provisionWithBilling('crash-after-start');
    const path = '/v1/customers/crash-after-start';
    // The process dies right after Temporal accepted the start, before it could record the run on the key.
    const doomed = await startDoomedApi((clients, dies) => ({
      ...clients,
      customers: { ...clients.customers, update: (input, requestRun) => clients.customers.update(input, requestRun && diesInsteadOfRecording(requestRun, dies)) },
    }));
    await request(doomed.app).patch(path).set('X-API-KEY', apiKey).set('Idempotency-Key', 'rename-2').send({ name: 'Original' });
    expect(await claimOf('rename-2')).toMatchObject({ status_code: null, workflow_run_id: null });
    await harness.client.workflow.getHandle(workflowIds.updateCustomer(environmentId, 'crash-after-start')).result();

    await api().patch(path).set('X-API-KEY', apiKey).send({ name: 'Newer' }).expect(200);

    const tooEarly = await api().patch(path).set('X-API-KEY', apiKey).set('Idempotency-Key', 'rename-2').send({ name: 'Original' });
    expect(tooEarly.status).toBe(409);
    expect(tooEarly.body.error).toMatchObject({ code: 'REQUEST_IN_PROGRESS', field: 'Idempotency-Key' });

    // As if the start window had passed: the retry takes the key over and starts a second run of the request.
    await harness.database.db.updateTable('idempotent_requests').set({ created_at: sql<Date>`now() - interval '1 hour'` }).where('key', '=', 'rename-2').execute();
    const retry = await api().patch(path).set('X-API-KEY', apiKey).set('Idempotency-Key', 'rename-2').send({ name: 'Original' });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ name: 'Original' });
    expect((await api().get(path).set('X-API-KEY', apiKey)).body.name).toBe('Newer');
    expect(stripe().state.customers.get(billingId)?.name).toBe('Newer');
    expect(stripeRenames(billingId, 'Original')).toBe(1);
  });

  it('a provisioning cut off between its start and recording the run: the retry answers 201 with the customer as created', async () => {
    const doomed = await startDoomedApi((clients, dies) => ({
      ...clients,
      customers: { ...clients.customers, provision: (input, requestRun) => clients.customers.provision(input, requestRun && diesInsteadOfRecording(requestRun, dies)) },
    }));
    const body = { customerId: 'created-then-crashed', name: 'As created', billingInfo: { currency: 'usd' } };
    await request(doomed.app).post('/v1/customers').set('X-API-KEY', apiKey).set('Idempotency-Key', 'signup-crash').send(body);
    await harness.client.workflow.getHandle(workflowIds.provisionCustomer(environmentId, 'created-then-crashed')).result();
    await api().patch('/v1/customers/created-then-crashed').set('X-API-KEY', apiKey).send({ name: 'Renamed' }).expect(200);

    await harness.database.db.updateTable('idempotent_requests').set({ created_at: sql<Date>`now() - interval '1 hour'` }).where('key', '=', 'signup-crash').execute();
    const retry = await api().post('/v1/customers').set('X-API-KEY', apiKey).set('Idempotency-Key', 'signup-crash').send(body);
    expect(retry.status).toBe(201);
    expect(retry.body.customer).toMatchObject({ customerId: 'created-then-crashed', name: 'As created' });
    expect([...stripe().state.customers.values()].filter((c) => c.metadata.tollgate_customer_id === 'created-then-crashed')).toHaveLength(1);
    // Another request for the same id is not the one that created it.
    const other = await api().post('/v1/customers').set('X-API-KEY', apiKey).set('Idempotency-Key', 'signup-other').send(body);
    expect(other.status).toBe(200);
  });

  it('tied to a run Temporal no longer has (past its retention): the retry is answered by a new run, applied once', async () => {
    const billingId = await provisionWithBilling('run-forgotten');
    const path = '/v1/customers/run-forgotten';
    const doomed = await startDoomedApi((clients, dies) => ({
      ...clients,
      customers: {
        ...clients.customers,
        update: (input, requestRun) =>
          clients.customers.update(input, requestRun && {
            ...requestRun,
            recordStartedRun: async (run) => {
              await requestRun.recordStartedRun({ ...run, runId: randomUUID() });
              await dies();
              throw new Error('the API process died here');
            },
          }),
      },
    }));
    await request(doomed.app).patch(path).set('X-API-KEY', apiKey).set('Idempotency-Key', 'rename-3').send({ name: 'Original' });
    await harness.client.workflow.getHandle(workflowIds.updateCustomer(environmentId, 'run-forgotten')).result();
    await api().patch(path).set('X-API-KEY', apiKey).send({ name: 'Newer' }).expect(200);

    const retry = await api().patch(path).set('X-API-KEY', apiKey).set('Idempotency-Key', 'rename-3').send({ name: 'Original' });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ name: 'Original' });
    expect((await api().get(path).set('X-API-KEY', apiKey)).body.name).toBe('Newer');
    expect(stripeRenames(billingId, 'Original')).toBe(1);
  });

  it('still releases the key on a refusal, so a corrected retry with the same key goes through', async () => {
    await provisionWithBilling('refused-then-fixed');
    const path = '/v1/customers/refused-then-fixed';
    const refused = await api().patch(path).set('X-API-KEY', apiKey).set('Idempotency-Key', 'fix-1').send({ billingInfo: { paymentMethodId: 'pm_card_chargeDeclined' } });
    expect(refused.status).toBe(422);
    expect(await claimOf('fix-1')).toBeUndefined();
    const fixed = await api().patch(path).set('X-API-KEY', apiKey).set('Idempotency-Key', 'fix-1').send({ billingInfo: { paymentMethodId: 'pm_card_visa' } });
    expect(fixed.status).toBe(200);
  });
});

describe('provider idempotency keys are per run', () => {
  it('lets a provisioning refused by Stripe be retried at once with corrected billing info', async () => {
    const body = (paymentMethodId: string) => ({ customerId: 'declined-then-fixed', email: 'card@example.com', billingInfo: { paymentMethodId } });
    const declined = await api().post('/v1/customers').set('X-API-KEY', apiKey).set('Idempotency-Key', 'signup-1').send(body('pm_card_chargeDeclined'));
    expect(declined.status).toBe(422);
    expect(declined.body.error.code).toBe('BILLING_PROVIDER_REJECTED');

    const corrected = await api().post('/v1/customers').set('X-API-KEY', apiKey).set('Idempotency-Key', 'signup-1').send(body('pm_card_visa'));
    expect(corrected.status).toBe(201);
    const stripeCustomer = stripe().state.customers.get(corrected.body.customer.billingId);
    expect(stripeCustomer).toMatchObject({ email: 'card@example.com', metadata: { tollgate_customer_id: 'declined-then-fixed' } });
  });

  it('keeps keys within Stripe\'s 255 characters for the longest customer ids', async () => {
    const customerId = `long-${'x'.repeat(250)}`;
    const created = await api().post('/v1/customers').set('X-API-KEY', apiKey).send({ customerId, billingInfo: { currency: 'usd', taxIds: [{ type: 'eu_vat', value: 'DE123456789' }] } });
    expect(created.status).toBe(201);
    const updated = await api().patch(`/v1/customers/${customerId}`).set('X-API-KEY', apiKey).send({ billingInfo: { paymentMethodId: 'pm_card_visa', taxIds: [{ type: 'eu_vat', value: 'DE987654321' }] } });
    expect(updated.status).toBe(200);
    const keys = stripe().requests.flatMap((r) => (r.idempotencyKey ? [r.idempotencyKey] : []));
    expect(Math.max(...keys.map((key) => key.length))).toBeLessThanOrEqual(255);
  });

  it('syncs a plan renamed and renamed back, each time, ending with the first name in Stripe', async () => {
    const other = await createTestEnvironment(harness.database.db);
    const catalogNamed = (name: string) => {
      const catalog = exampleCatalogInput();
      catalog.plans.find((plan) => plan.id === 'plan-basic')!.displayName = name;
      return catalog;
    };
    const stripeProductName = () =>
      [...stripe().state.products.values()].find((p) => p.metadata.tollgate_environment === other.environmentId && p.metadata.tollgate_package_id === 'plan-basic')?.name;

    for (const name of ['Basic', 'Basic Plus', 'Basic']) {
      await api().put('/v1/catalog').set('X-API-KEY', other.apiKey).send(catalogNamed(name)).expect(200);
      const result = await harness.client.workflow.getHandle(workflowIds.syncCatalog(other.environmentId)).result();
      expect(result).toMatchObject({ refused: [] });
      expect(stripeProductName()).toBe(name);
    }
  });
});

describe('concurrent provisions of one id', () => {
  it('answer 201 to exactly one caller and 200 to the others, with one customer in Stripe', async () => {
    const body = { customerId: 'popular', name: 'Popular', billingInfo: { currency: 'usd' } };
    const responses = await Promise.all(Array.from({ length: 20 }, () => api().post('/v1/customers').set('X-API-KEY', apiKey).send(body)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 200)).toHaveLength(19);
    expect(new Set(responses.map((r) => r.body.customer.billingId)).size).toBe(1);
    const stripeCustomers = [...stripe().state.customers.values()].filter((c) => c.metadata.tollgate_customer_id === 'popular');
    expect(stripeCustomers).toHaveLength(1);
  });

  it('do not share a refusal: a caller that joined a provisioning refused by Stripe gets a run of its own', async () => {
    const body = (paymentMethodId: string) => ({ customerId: 'joined-a-refusal', billingInfo: { paymentMethodId } });
    // Stripe refuses the first caller's card but answers late, so the second caller finds that run going.
    stripe().delayNext(1_500);
    const declined = api().post('/v1/customers').set('X-API-KEY', apiKey).send(body('pm_card_chargeDeclined')).then((r) => r);
    await until(() => stripe().requests.some((r) => r.path === '/v1/customers' && (r.body.metadata as Record<string, unknown>)?.tollgate_customer_id === 'joined-a-refusal'));
    const good = await api().post('/v1/customers').set('X-API-KEY', apiKey).send(body('pm_card_visa'));
    expect((await declined).status).toBe(422);
    expect(good.status).toBe(201);
    expect(stripe().state.customers.get(good.body.customer.billingId)).toBeDefined();
  });
});
