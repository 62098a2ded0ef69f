import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyCatalog } from '../../src/services/applyCatalog';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { expectAnswersDocumented, recordAnswers } from '../support/documentedAnswers';
import { subscriptionTestCatalog } from '../support/subscriptionFixtures';
import { createTestEnvironment } from '../support/testEnvironment';

// updateSubscription and cancelSubscription over HTTP without a billing integration: what changes, what is refused
// (naming the field, changing nothing), and the entitlements that follow.
let harness: ApiHarness;
let key: string;

beforeAll(async () => {
  harness = await startApiHarness({ billing: 'none' });
  const environment = await createTestEnvironment(harness.database.db);
  key = environment.apiKey;
  await applyCatalog(harness.database.db, environment.environmentId, subscriptionTestCatalog());
});
afterAll(async () => harness?.stop());

const answers = recordAnswers(() => harness.app);
const api = answers.api;
afterEach(async () => expectAnswersDocumented(harness.app, answers.takeAnswers()));

let counter = 0;
async function customerOn(body: Record<string, unknown>) {
  const customerId = `lifecycle-api-${++counter}`;
  await api().post('/v1/customers').set('X-API-KEY', key).send({ customerId, subscriptionParams: null }).expect(201);
  const subscription = (await api().post('/v1/subscriptions').set('X-API-KEY', key).send({ customerId, ...body }).expect(201)).body.subscription;
  return { customerId, subscription: subscription as { id: string; currentBillingPeriodEnd: string } };
}
const patch = (id: string, body: unknown) => api().patch(`/v1/subscriptions/${id}`).set('X-API-KEY', key).send(body as object);
const cancel = (id: string, body: unknown) => api().post(`/v1/subscriptions/${id}/cancel`).set('X-API-KEY', key).send(body as object);
const read = async (id: string) => (await api().get(`/v1/subscriptions/${id}`).set('X-API-KEY', key).expect(200)).body;
const historyOf = async (id: string) => ((await api().get(`/v1/subscriptions/${id}/history`).set('X-API-KEY', key).expect(200)).body.entries as { transition: string }[]).map((e) => e.transition);
const projects = async (customerId: string) => (await api().get(`/v1/customers/${customerId}/entitlements/feature-projects`).set('X-API-KEY', key).expect(200)).body;

describe('updateSubscription', () => {
  it('adds an add-on (entitlements follow at once), changes seats, and a no-op changes nothing', async () => {
    const { customerId, subscription } = await customerOn({ planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    expect((await projects(customerId)).value).toBe(20);

    const updated = (await patch(subscription.id, { addons: [{ addonId: 'addon-extra-projects', quantity: 2 }], metadata: { team: 'ops' } }).expect(200)).body;
    expect(updated.addons).toEqual([{ addonId: 'addon-extra-projects', quantity: 2, version: 1 }]);
    expect(updated.metadata).toEqual({ team: 'ops' });
    // 20 from the plan + 2 × 10 from the add-on.
    expect((await projects(customerId)).value).toBe(40);

    const again = (await patch(subscription.id, { addons: [{ addonId: 'addon-extra-projects', quantity: 2 }], metadata: { team: 'ops' } }).expect(200)).body;
    expect(again.updatedAt).toBe(updated.updatedAt);
    expect(await historyOf(subscription.id)).toEqual(['CREATED', 'UPDATED']);

    await patch(subscription.id, { addons: [] }).expect(200);
    expect((await projects(customerId)).value).toBe(20);
  });

  it('a billing-period change starts a new cycle', async () => {
    const { subscription } = await customerOn({ planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    const annual = (await patch(subscription.id, { billingPeriod: 'ANNUALLY' }).expect(200)).body;
    expect(annual.billingPeriod).toBe('ANNUALLY');
    expect(annual.prices.map((price: { unitPrice: { amount: number } }) => price.unitPrice.amount)).toEqual([19000]);
    const start = new Date(annual.currentBillingPeriodStart);
    const end = new Date(annual.currentBillingPeriodEnd);
    expect(end.getUTCFullYear() - start.getUTCFullYear()).toBe(1);
    expect(end.getUTCMonth()).toBe(start.getUTCMonth());
  });

  it('refuses, naming the field and changing nothing: incompatible add-on, over maxQuantity, unknown fields, unknown add-on', async () => {
    const { customerId, subscription } = await customerOn({ planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    const before = await read(subscription.id);
    const refused = async (body: unknown, status: number, field: string) => {
      const answer = await patch(subscription.id, body).expect(status);
      expect(answer.body.error.field ?? answer.body.error.details?.[0]?.field).toBe(field);
    };
    await refused({ addons: [{ addonId: 'addon-extra-projects', quantity: 11 }] }, 400, 'addons[0].quantity');
    await refused({ addons: [{ addonId: 'addon-nope', quantity: 1 }] }, 404, 'addons[0].addonId');
    await refused({ planId: 'plan-pro' }, 400, 'planId');
    await refused({ unitQuantity: 3 }, 400, 'unitQuantity');
    await refused({ cancellationDate: '2030-01-01' }, 400, 'cancellationDate');
    expect(await read(subscription.id)).toEqual(before);
    expect(await historyOf(subscription.id)).toEqual(['CREATED']);
    expect((await projects(customerId)).value).toBe(20);
  });

  it('an unknown subscription is a 404; an ended one a 409', async () => {
    await patch('sub-unknown', { metadata: {} }).expect(404);
    const { subscription } = await customerOn({ planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    await cancel(subscription.id, {}).expect(200);
    const answer = await patch(subscription.id, { metadata: { a: 'b' } }).expect(409);
    expect(answer.body.error.code).toBe('SUBSCRIPTION_NOT_UPDATABLE');
  });
});

describe('cancelSubscription', () => {
  it('END_OF_BILLING_PERIOD keeps it live until the period end and shows the scheduled change; PATCH cancellationDate: null undoes it', async () => {
    const { customerId, subscription } = await customerOn({ planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    const scheduled = (await cancel(subscription.id, { subscriptionCancellationTime: 'END_OF_BILLING_PERIOD' }).expect(200)).body;
    expect(scheduled).toMatchObject({ status: 'ACTIVE', cancellationDate: subscription.currentBillingPeriodEnd });
    expect(scheduled.scheduledChanges).toEqual([{ type: 'CANCELLATION', at: subscription.currentBillingPeriodEnd }]);
    expect((await projects(customerId)).value).toBe(20);

    const undone = (await patch(subscription.id, { cancellationDate: null }).expect(200)).body;
    expect(undone).toMatchObject({ status: 'ACTIVE', cancellationDate: null, scheduledChanges: [] });
    expect(await historyOf(subscription.id)).toEqual(['CREATED', 'CANCELLATION_SCHEDULED', 'CANCELLATION_UNDONE']);
  });

  it('IMMEDIATE ends it now and the customer falls back to the free plan before the answer', async () => {
    const { customerId, subscription } = await customerOn({ planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    const ended = (await cancel(subscription.id, { subscriptionCancellationTime: 'IMMEDIATE' }).expect(200)).body;
    expect(ended).toMatchObject({ status: 'CANCELED', endReason: 'CANCELED' });
    const live = (await api().get(`/v1/customers/${customerId}/subscriptions`).set('X-API-KEY', key).expect(200)).body;
    expect(live.map((s: { planId: string; status: string }) => `${s.planId}:${s.status}`)).toEqual(['plan-free:ACTIVE']);
    // The free plan's 3 projects.
    expect((await projects(customerId)).value).toBe(3);
  });

  it('refuses bad times naming the field, changing nothing', async () => {
    const { subscription } = await customerOn({ planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    const refused = async (body: unknown, field: string) => {
      const answer = await cancel(subscription.id, body).expect(400);
      expect(answer.body.error.field ?? answer.body.error.details?.[0]?.field).toBe(field);
    };
    const afterPeriod = new Date(new Date(subscription.currentBillingPeriodEnd).getTime() + 86_400_000).toISOString();
    await refused({ subscriptionCancellationTime: 'SPECIFIC_DATE' }, 'endDate');
    await refused({ subscriptionCancellationTime: 'SPECIFIC_DATE', endDate: '2020-01-01T00:00:00Z' }, 'endDate');
    await refused({ subscriptionCancellationTime: 'END_OF_BILLING_PERIOD', endDate: afterPeriod }, 'endDate');
    await refused({ subscriptionCancellationTime: 'END_OF_BILLING_PERIOD', prorate: true }, 'prorate');
    await refused({ subscriptionCancellationTime: 'LATER' }, 'subscriptionCancellationTime');
    await refused({ when: 'now' }, 'when');
    expect(await read(subscription.id)).toMatchObject({ status: 'ACTIVE', cancellationDate: null });
    expect(await historyOf(subscription.id)).toEqual(['CREATED']);
  });
});
