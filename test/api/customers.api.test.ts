import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../src/api/createApp';
import { createWorkflowClients } from '../../src/temporal/workflowClients';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { revokeApiKey } from '../../src/db/repositories/apiKeys.repository';
import { applyCatalog } from '../../src/services/applyCatalog';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { expectAnswersDocumented, recordAnswers } from '../support/documentedAnswers';
import { exampleCatalog } from '../support/exampleCatalog';
import { createTestEnvironment } from '../support/testEnvironment';

let harness: ApiHarness;
let keyA: string;
let keyB: string;

beforeAll(async () => {
  harness = await startApiHarness({ billing: 'stripe' });
  const a = await createTestEnvironment(harness.database.db, 'env-a');
  const b = await createTestEnvironment(harness.database.db, 'env-b');
  [keyA, keyB] = [a.apiKey, b.apiKey];
  await applyCatalog(harness.database.db, a.environmentId, exampleCatalog());
});
afterAll(async () => harness?.stop());
beforeEach(() => harness.stripe!.reset());

// Every answer these flows get must be one the OpenAPI document lists, with a body valid against its schema.
const answers = recordAnswers(() => harness.app);
const api = answers.api;
afterEach(async () => expectAnswersDocumented(harness.app, answers.takeAnswers()));
const countCustomers = async () => Number((await harness.database.db.selectFrom('customers').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

describe('customers over HTTP', () => {
  it('provisions, reads and updates a customer; the Stripe customer carries the billing info', async () => {
    const created = await api()
      .post('/v1/customers')
      .set('X-API-KEY', keyA)
      .send({
        customerId: 'customer-test-id',
        name: 'My very first customer',
        email: 'john@example.com',
        couponId: 'coupon-launch',
        metadata: { key: 'value' },
        billingInfo: {
          customerName: 'Acme Inc',
          billingAddress: { country: 'US', city: 'New York', state: 'NY', addressLine1: '123 Main Street', postalCode: '10164', phoneNumber: '+1 212-499-5321' },
          taxIds: [{ type: 'us_ein', value: '12-3456789' }],
          currency: 'usd',
        },
        subscriptionParams: { planId: 'plan-free', metadata: { source: 'signup' } },
      });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ subscriptionDecisionStrategy: 'REQUESTED_PLAN', subscription: { planId: 'plan-free', status: 'ACTIVE', metadata: { source: 'signup' } } });
    expect(created.body.customer).toMatchObject({ customerId: 'customer-test-id', email: 'john@example.com', couponId: 'coupon-launch', metadata: { key: 'value' } });
    const stripeCustomer = harness.stripe!.state.customers.get(created.body.customer.billingId)!;
    expect(stripeCustomer).toMatchObject({ name: 'Acme Inc', email: 'john@example.com', address: { city: 'New York', state: 'NY' } });

    // The provisioning workflow can be found in the Temporal UI by customer id.
    let found: string[] = [];
    for (let attempt = 0; attempt < 50 && found.length === 0; attempt++) {
      for await (const workflow of harness.client.workflow.list({ query: 'TollgateCustomerId = "customer-test-id" AND WorkflowType = "provisionCustomerWorkflow"' })) found.push(workflow.workflowId);
      if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(found).toEqual([expect.stringMatching(/^customer:env_[0-9a-f]+:customer-test-id$/)]);

    const read = await api().get('/v1/customers/customer-test-id').set('X-API-KEY', keyA);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body.customer);

    const updated = await api().patch('/v1/customers/customer-test-id').set('X-API-KEY', keyA).send({ email: 'new@example.com', metadata: { tier: 'gold' } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'My very first customer', email: 'new@example.com', metadata: { tier: 'gold' } });
    expect(harness.stripe!.state.customers.get(created.body.customer.billingId)).toMatchObject({ email: 'new@example.com' });
  });

  it('returns the existing customer (200) when an id is provisioned again', async () => {
    await api().post('/v1/customers').set('X-API-KEY', keyA).send({ customerId: 'repeat-1', name: 'First' }).expect(201);
    const again = await api().post('/v1/customers').set('X-API-KEY', keyA).send({ customerId: 'repeat-1', name: 'Second' });
    expect(again.status).toBe(200);
    expect(again.body.customer.name).toBe('First');
  });

  it('keeps environments apart: another environment\'s key sees nothing and can reuse the id', async () => {
    await api().post('/v1/customers').set('X-API-KEY', keyA).send({ customerId: 'shared-id', name: 'In A' }).expect(201);
    await api().get('/v1/customers/shared-id').set('X-API-KEY', keyB).expect(404);
    await api().patch('/v1/customers/shared-id').set('X-API-KEY', keyB).send({ name: 'hijack' }).expect(404);
    const inB = await api().post('/v1/customers').set('X-API-KEY', keyB).send({ customerId: 'shared-id', name: 'In B' });
    expect(inB.status).toBe(201);
    expect((await api().get('/v1/customers/shared-id').set('X-API-KEY', keyA)).body.name).toBe('In A');
  });

  it('answers 401 without a key, with an unknown key and with a revoked key', async () => {
    expect((await api().get('/v1/customers/x')).body).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'missing X-API-KEY header', field: 'X-API-KEY' } });
    await api().get('/v1/customers/x').set('X-API-KEY', 'tg_server_nope').expect(401);
    const revoked = await createTestEnvironment(harness.database.db);
    await revokeApiKey(harness.database.db, revoked.apiKeyId);
    await api().get('/v1/customers/x').set('X-API-KEY', revoked.apiKey).expect(401);
  });

  it.each([
    [{ name: 'no id' }, 'customerId'],
    [{ customerId: 'bad-email', email: 'not-an-email' }, 'email'],
    [{ customerId: 'bad-country', billingInfo: { billingAddress: { country: 'USA' } } }, 'billingInfo.billingAddress.country'],
    [{ customerId: 'bad-metadata', metadata: 'key=value' }, 'metadata'],
    [{ customerId: 'bad-metadata-value', metadata: { nested: { a: 1 } } }, 'metadata.nested'],
    [{ customerId: 'bad-id/with-slash' }, 'customerId'],
    [{ customerId: 'extra', unknownField: true }, 'unknownField'],
    [{ customerId: 'bad-addon', subscriptionParams: { planId: 'plan-free', addons: [{ addonId: 'addon-extra-projects', quantity: 1 }] } }, 'subscriptionParams.addons[0].addonId'],
    [{ customerId: 'bad-period', subscriptionParams: { planId: 'plan-pro', billingPeriod: 'WEEKLY' } }, 'subscriptionParams.billingPeriod'],
    [{ customerId: 'bad-coupon', couponId: 'coupon-unknown' }, 'couponId'],
  ])('rejects %j with a 400 naming %s, writing nothing', async (body, field) => {
    const before = await countCustomers();
    const response = await api().post('/v1/customers').set('X-API-KEY', keyA).send(body);
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe(field);
    expect(await countCustomers()).toBe(before);
    expect(harness.stripe!.requests).toHaveLength(0);
  });

  it.each([
    [{ customerId: 'bad-plan', subscriptionParams: { planId: 'plan-unknown' } }, 'subscriptionParams.planId'],
    [{ customerId: 'bad-feature', subscriptionParams: { planId: 'plan-pro', billingPeriod: 'MONTHLY', billableFeatures: [{ featureId: 'feature-nope', quantity: 2 }] } }, 'subscriptionParams.billableFeatures[0].featureId'],
  ])('rejects %j with a 404 naming %s, writing nothing', async (body, field) => {
    const before = await countCustomers();
    const response = await api().post('/v1/customers').set('X-API-KEY', keyA).send(body);
    expect(response.status).toBe(404);
    expect(response.body.error.field).toBe(field);
    expect(await countCustomers()).toBe(before);
  });

  it('rejects bad updates with 400 and unknown customers with 404', async () => {
    await api().post('/v1/customers').set('X-API-KEY', keyA).send({ customerId: 'patch-me', email: 'a@example.com' }).expect(201);
    const bad = await api().patch('/v1/customers/patch-me').set('X-API-KEY', keyA).send({ email: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('email');
    expect((await api().get('/v1/customers/patch-me').set('X-API-KEY', keyA)).body.email).toBe('a@example.com');
    const missing = await api().patch('/v1/customers/nobody').set('X-API-KEY', keyA).send({ name: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'NOT_FOUND', field: 'customerId' });
  });

  it('answers 422 and writes nothing when Stripe refuses the billing info', async () => {
    const response = await api()
      .post('/v1/customers')
      .set('X-API-KEY', keyA)
      .send({ customerId: 'declined', billingInfo: { paymentMethodId: 'pm_card_chargeDeclined' } });
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('BILLING_PROVIDER_REJECTED');
    await api().get('/v1/customers/declined').set('X-API-KEY', keyA).expect(404);
  });

  it('replays a PATCH retried with the same Idempotency-Key', async () => {
    await api().post('/v1/customers').set('X-API-KEY', keyA).send({ customerId: 'idem', billingInfo: { currency: 'usd' } }).expect(201);
    const first = await api().patch('/v1/customers/idem').set('X-API-KEY', keyA).set('Idempotency-Key', 'k-1').send({ name: 'Once' });
    const second = await api().patch('/v1/customers/idem').set('X-API-KEY', keyA).set('Idempotency-Key', 'k-1').send({ name: 'Once' });
    expect(second.body).toEqual(first.body);
    expect(harness.stripe!.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v1/customers/cus_'))).toHaveLength(1);
  });

  it('serves /health, /openapi.json and /docs without a key', async () => {
    expect((await api().get('/health')).body).toMatchObject({ status: 'ok' });
    const openapi = await api().get('/openapi.json');
    expect(openapi.body.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.body.paths)).toEqual(expect.arrayContaining(['/v1/customers', '/v1/customers/{customerId}', '/v1/catalog']));
    expect(openapi.body.paths['/v1/customers'].post.requestBody.content['application/json'].schema.properties.customerId).toBeDefined();
    expect((await api().get('/docs')).text).toContain('<title>Tollgate API</title>');
  });
});

describe('Idempotency-Key on writes', () => {
  it('replays the first answer of a POST, status included, and changes nothing more', async () => {
    const body = { customerId: 'idem-post', name: 'First' };
    const first = await api().post('/v1/customers').set('X-API-KEY', keyA).set('Idempotency-Key', 'post-1').send(body);
    expect(first.status).toBe(201);
    const replay = await api().post('/v1/customers').set('X-API-KEY', keyA).set('Idempotency-Key', 'post-1').send(body);
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
  });

  it('refuses the same key for a different request (422) and keys are per environment', async () => {
    await api().post('/v1/customers').set('X-API-KEY', keyA).set('Idempotency-Key', 'post-2').send({ customerId: 'idem-a' }).expect(201);
    const reused = await api().post('/v1/customers').set('X-API-KEY', keyA).set('Idempotency-Key', 'post-2').send({ customerId: 'idem-b' });
    expect(reused.status).toBe(422);
    expect(reused.body.error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', field: 'Idempotency-Key' });
    await api().get('/v1/customers/idem-b').set('X-API-KEY', keyA).expect(404);
    await api().post('/v1/customers').set('X-API-KEY', keyB).set('Idempotency-Key', 'post-2').send({ customerId: 'idem-b' }).expect(201);
  });

  it('does not store failures: a corrected retry with the same key goes through', async () => {
    const bad = await api().post('/v1/customers').set('X-API-KEY', keyA).set('Idempotency-Key', 'post-3').send({ customerId: 'idem-c', email: 'nope' });
    expect(bad.status).toBe(400);
    const again = await api().post('/v1/customers').set('X-API-KEY', keyA).set('Idempotency-Key', 'post-3').send({ customerId: 'idem-c', email: 'nope' });
    expect(again.status).toBe(400);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
  });

  it('rejects a malformed key with 400 naming the header', async () => {
    const response = await api().post('/v1/customers').set('X-API-KEY', keyA).set('Idempotency-Key', 'has space').send({ customerId: 'idem-d' });
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe('Idempotency-Key');
    await api().get('/v1/customers/idem-d').set('X-API-KEY', keyA).expect(404);
  });
});

describe('when Temporal is down', () => {
  it('answers 503 to writes and to /health, and writes nothing', async () => {
    // A lazy connection to a port nobody serves, as after the Temporal cluster went away.
    const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 });
    const app = createApp({
      db: harness.database.db,
      workflows: createWorkflowClients(new Client({ connection }), { taskQueue: 'nowhere', searchAttributes: false, startTimeoutMs: 1_000 }),
      billingProvider: 'none',
      logger: pino({ level: 'silent' }),
      temporalHealthy: async () => (await connection.withDeadline(Date.now() + 1_000, () => connection.workflowService.getSystemInfo({})), true),
    });
    const response = await request(app).post('/v1/customers').set('X-API-KEY', keyA).send({ customerId: 'temporal-down' });
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('WORKFLOW_ENGINE_UNAVAILABLE');
    expect((await request(app).get('/health')).body).toMatchObject({ status: 'unavailable', postgres: 'ok', temporal: 'down' });
    await api().get('/v1/customers/temporal-down').set('X-API-KEY', keyA).expect(404);
    await connection.close();
  });
});

describe('request logs', () => {
  it('name the key by its id and never print the key itself', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const { apiKey, apiKeyId, environmentId } = await createTestEnvironment(harness.database.db);
    const app = createApp({
      db: harness.database.db,
      workflows: createWorkflowClients(harness.client, { taskQueue: 'unused', searchAttributes: false }),
      billingProvider: 'none',
      logger,
      temporalHealthy: async () => true,
    });
    await request(app).get('/v1/customers/someone').set('X-API-KEY', apiKey).expect(404);
    const entry = JSON.parse(lines.find((line) => line.includes('request completed'))!);
    expect(entry).toMatchObject({ req: { method: 'GET', url: '/v1/customers/someone', apiKey: '[redacted]' }, res: { statusCode: 404 }, apiKeyId, environmentId });
    expect(lines.join('\n')).not.toContain(apiKey);
  });
});
