import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyCatalog } from '../../src/services/applyCatalog';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { expectAnswersDocumented, recordAnswers } from '../support/documentedAnswers';
import { subscriptionTestCatalog } from '../support/subscriptionFixtures';
import { createTestEnvironment } from '../support/testEnvironment';

// GET /v1/subscriptions/:id/history without a billing integration: every transition is an API call here.
let harness: ApiHarness;
let key: string;
let otherKey: string;

beforeAll(async () => {
  harness = await startApiHarness({ billing: 'none' });
  const environment = await createTestEnvironment(harness.database.db);
  key = environment.apiKey;
  await applyCatalog(harness.database.db, environment.environmentId, subscriptionTestCatalog());
  otherKey = (await createTestEnvironment(harness.database.db)).apiKey;
});
afterAll(async () => harness?.stop());

const answers = recordAnswers(() => harness.app);
const api = answers.api;
afterEach(async () => expectAnswersDocumented(harness.app, answers.takeAnswers()));

let counter = 0;
async function newCustomer() {
  const customerId = `history-${++counter}`;
  await api().post('/v1/customers').set('X-API-KEY', key).send({ customerId, subscriptionParams: null }).expect(201);
  return customerId;
}
const provision = async (body: Record<string, unknown>, idempotencyKey?: string) => {
  const request = api().post('/v1/subscriptions').set('X-API-KEY', key);
  if (idempotencyKey) request.set('Idempotency-Key', idempotencyKey);
  return (await request.send(body).expect(201)).body.subscription as { id: string };
};
const history = (id: string, query = '') => api().get(`/v1/subscriptions/${id}/history${query}`).set('X-API-KEY', key);
const summary = (entries: { transition: string; fromStatus: string | null; toStatus: string; cause: string; causeDetail: string | null }[]) =>
  entries.map(({ transition, fromStatus, toStatus, cause, causeDetail }) => [transition, fromStatus, toStatus, cause, causeDetail]);

describe('subscription history', () => {
  it('records provisioning, replacement and cancellation in order, each with its cause and what it changed', async () => {
    const customerId = await newCustomer();
    const free = await provision({ customerId, planId: 'plan-free' });
    const basic = await provision({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY' }, 'history-basic-1');
    await api().post(`/v1/subscriptions/${basic.id}/cancel`).set('X-API-KEY', key).send({}).expect(200);

    const freeHistory = (await history(free.id).expect(200)).body;
    expect(freeHistory.subscriptionId).toBe(free.id);
    expect(freeHistory.nextAfter).toBeNull();
    expect(summary(freeHistory.entries)).toEqual([
      ['CREATED', null, 'ACTIVE', 'API', 'provisionSubscription'],
      // Replaced by the request that provisioned basic: its cause.
      ['REPLACED', 'ACTIVE', 'CANCELED', 'API', 'provisionSubscription, Idempotency-Key history-basic-1'],
    ]);
    const replaced = freeHistory.entries[1];
    expect(replaced.changes).toMatchObject({
      status: { before: 'ACTIVE', after: 'CANCELED' },
      endReason: { before: null, after: 'REPLACED' },
      replacedById: { before: null, after: basic.id },
    });
    expect(Date.parse(replaced.occurredAt)).toBeGreaterThanOrEqual(Date.parse(freeHistory.entries[0].occurredAt));

    const basicHistory = (await history(basic.id).expect(200)).body;
    expect(summary(basicHistory.entries)).toEqual([
      ['CREATED', null, 'ACTIVE', 'API', 'provisionSubscription, Idempotency-Key history-basic-1'],
      ['CANCELED', 'ACTIVE', 'CANCELED', 'API', 'cancelSubscription'],
    ]);
    expect(basicHistory.entries[0].changes).toMatchObject({ planId: { before: null, after: 'plan-basic' }, billingPeriod: { before: null, after: 'MONTHLY' } });
    expect(Object.keys(basicHistory.entries[1].changes).sort()).toEqual(['cancellationDate', 'endDate', 'endReason', 'status']);
  });

  it('records a customer\'s initial subscription as provisionCustomer, and a repeated request once', async () => {
    const customerId = `history-initial-${++counter}`;
    await api().post('/v1/customers').set('X-API-KEY', key).send({ customerId, subscriptionParams: { planId: 'plan-free' } }).expect(201);
    const [initial] = (await api().get(`/v1/customers/${customerId}/subscriptions`).set('X-API-KEY', key).expect(200)).body;
    expect(summary((await history(initial.id).expect(200)).body.entries)).toEqual([['CREATED', null, 'ACTIVE', 'API', 'provisionCustomer']]);

    const body = { customerId, planId: 'plan-basic', billingPeriod: 'ANNUALLY' };
    const first = await provision(body, 'history-repeat-1');
    expect(await provision(body, 'history-repeat-1')).toEqual(first);
    expect((await history(first.id).expect(200)).body.entries).toHaveLength(1);
    expect((await history(initial.id).expect(200)).body.entries).toHaveLength(2);
  });

  it('reads on page by page with after and limit', async () => {
    const customerId = await newCustomer();
    const subscription = await provision({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    await api().post(`/v1/subscriptions/${subscription.id}/cancel`).set('X-API-KEY', key).send({}).expect(200);
    const whole = (await history(subscription.id).expect(200)).body.entries;
    const first = (await history(subscription.id, '?limit=1').expect(200)).body;
    expect(first.entries).toEqual([whole[0]]);
    expect(first.nextAfter).toBe(whole[0].id);
    const second = (await history(subscription.id, `?limit=1&after=${first.nextAfter}`).expect(200)).body;
    expect(second).toEqual({ subscriptionId: subscription.id, entries: [whole[1]], nextAfter: null });
  });

  it('answers 404 for an unknown subscription and for one of another environment, 400 naming a bad query field, 401 without a key', async () => {
    const customerId = await newCustomer();
    const subscription = await provision({ customerId, planId: 'plan-free' });
    const unknown = await history('sub-does-not-exist').expect(404);
    expect(unknown.body.error).toMatchObject({ code: 'NOT_FOUND', field: 'subscriptionId' });
    const elsewhere = await api().get(`/v1/subscriptions/${subscription.id}/history`).set('X-API-KEY', otherKey).expect(404);
    expect(elsewhere.body.error).toMatchObject({ code: 'NOT_FOUND', field: 'subscriptionId' });
    expect((await history(subscription.id, '?limit=0').expect(400)).body.error.field).toBe('limit');
    expect((await history(subscription.id, '?after=abc').expect(400)).body.error.field).toBe('after');
    expect((await history(subscription.id, '?page=2').expect(400)).body.error).toMatchObject({ code: 'INVALID_INPUT' });
    await api().get(`/v1/subscriptions/${subscription.id}/history`).expect(401);
  });
});
