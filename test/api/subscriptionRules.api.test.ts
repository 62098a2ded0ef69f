import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyCatalog } from '../../src/services/applyCatalog';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { expectAnswersDocumented, recordAnswers } from '../support/documentedAnswers';
import { subscriptionTestCatalog } from '../support/subscriptionFixtures';
import { createTestEnvironment } from '../support/testEnvironment';

// The seed's provisioning rules over HTTP, without a billing integration (subscriptions are created at once).
let harness: ApiHarness;
let key: string;
let environmentId: string;

beforeAll(async () => {
  harness = await startApiHarness({ billing: 'none' });
  ({ apiKey: key, environmentId } = await createTestEnvironment(harness.database.db));
  await applyCatalog(harness.database.db, environmentId, subscriptionTestCatalog());
});
afterAll(async () => harness?.stop());

const answers = recordAnswers(() => harness.app);
const api = answers.api;
afterEach(async () => expectAnswersDocumented(harness.app, answers.takeAnswers()));

let counter = 0;
async function newCustomer() {
  const customerId = `rules-${++counter}`;
  await api().post('/v1/customers').set('X-API-KEY', key).send({ customerId, subscriptionParams: null }).expect(201);
  return customerId;
}
const provision = (body: Record<string, unknown>) => api().post('/v1/subscriptions').set('X-API-KEY', key).send(body);
const get = (id: string) => api().get(`/v1/subscriptions/${id}`).set('X-API-KEY', key).expect(200).then((r) => r.body);
const countSubscriptions = async () => Number((await harness.database.db.selectFrom('subscriptions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

describe('provisionSubscription without billing integration', () => {
  it('creates a paid plan at once (SUCCESS) with every seed field kept', async () => {
    const customerId = await newCustomer();
    const answer = await provision({
      customerId,
      planId: 'plan-pro',
      billingPeriod: 'MONTHLY',
      billableFeatures: [{ featureId: 'feature-seats', quantity: 4 }],
      addons: [{ addonId: 'addon-extra-projects', quantity: 2 }],
      billingCountryCode: 'DK',
      skipTrial: true,
      metadata: { team: 'core' },
    }).expect(201);
    expect(answer.body.provisionStatus).toBe('SUCCESS');
    expect(answer.body.checkoutUrl).toBeUndefined();
    const subscription = answer.body.subscription;
    expect(subscription).toMatchObject({
      customerId,
      planId: 'plan-pro',
      planVersion: 1,
      productId: 'product-app',
      status: 'ACTIVE',
      pricingType: 'PAID',
      billingPeriod: 'MONTHLY',
      billingCountryCode: 'DK',
      currency: 'usd',
      billableFeatures: [{ featureId: 'feature-seats', quantity: 4 }],
      addons: [{ addonId: 'addon-extra-projects', quantity: 2, version: 1 }],
      trialEndDate: null,
      billingId: null,
      metadata: { team: 'core' },
    });
    expect(subscription.prices.map((p: { packageId: string; featureId: string | null; quantity: number; unitPrice: unknown }) => [p.packageId, p.featureId, p.quantity, p.unitPrice])).toEqual([
      ['plan-pro', null, 1, { amount: 4900, currency: 'usd' }],
      ['plan-pro', 'feature-seats', 4, { amount: 1200, currency: 'usd' }],
      ['addon-extra-projects', null, 2, { amount: 500, currency: 'usd' }],
    ]);
    expect(await get(subscription.id)).toEqual(subscription);
  });

  it('picks the localized price of the billing country', async () => {
    const customerId = await newCustomer();
    const { body } = await provision({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY', billingCountryCode: 'DK' }).expect(201);
    expect(body.subscription.currency).toBe('dkk');
    expect(body.subscription.prices[0].unitPrice).toEqual({ amount: 13900, currency: 'dkk' });
  });

  it('replaces the live subscription on the product, and lists only live ones', async () => {
    const customerId = await newCustomer();
    const free = (await provision({ customerId, planId: 'plan-free' }).expect(201)).body.subscription;
    const basic = (await provision({ customerId, planId: 'plan-basic', billingPeriod: 'ANNUALLY' }).expect(201)).body.subscription;
    expect(await get(free.id)).toMatchObject({ status: 'CANCELED', endReason: 'REPLACED' });
    const list = await api().get(`/v1/customers/${customerId}/subscriptions`).set('X-API-KEY', key).expect(200);
    expect(list.body.map((s: { id: string }) => s.id)).toEqual([basic.id]);
    expect(Object.keys(list.body[0]).sort()).toEqual(['addons', 'billingId', 'cancellationDate', 'currentBillingPeriodEnd', 'id', 'planId', 'pricingType', 'productId', 'resource', 'startDate', 'status', 'trialEndDate']);
  });

  it('grants a trial once per customer and product; skipTrial skips it; the trial runs beside the paid plan', async () => {
    const customerId = await newCustomer();
    const basic = (await provision({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY' }).expect(201)).body.subscription;
    const trial = (await provision({ customerId, planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 2 }).expect(201)).body.subscription;
    expect(trial.status).toBe('IN_TRIAL');
    expect(Date.parse(trial.trialEndDate) - Date.parse(trial.startDate)).toBe(14 * 86_400_000);
    expect((await get(basic.id)).status).toBe('ACTIVE');
    await api().post(`/v1/subscriptions/${trial.id}/cancel`).set('X-API-KEY', key).send({}).expect(200);
    // The trial was used: subscribing to the plan again is paid at once.
    const again = (await provision({ customerId, planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 2 }).expect(201)).body.subscription;
    expect(again).toMatchObject({ status: 'ACTIVE', trialEndDate: null });

    const other = await newCustomer();
    const skipped = (await provision({ customerId: other, planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 2, skipTrial: true }).expect(201)).body.subscription;
    expect(skipped).toMatchObject({ status: 'ACTIVE', trialEndDate: null });
    // No trial of a plan the customer already pays for (skipTrial did not use the trial up: another plan still could).
    const samePlan = (await provision({ customerId: other, planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 3 }).expect(201)).body.subscription;
    expect(samePlan.status).toBe('ACTIVE');
    expect(await harness.database.db.selectFrom('trial_usages').select('plan_id').where('customer_id', '=', other).execute()).toEqual([]);
  });

  it('scopes everything by resourceId on a product that allows several subscriptions', async () => {
    const customerId = await newCustomer();
    const siteA = (await provision({ customerId, planId: 'plan-site-free', resourceId: 'site-a' }).expect(201)).body.subscription;
    const siteB = (await provision({ customerId, planId: 'plan-site-free', resourceId: 'site-b' }).expect(201)).body.subscription;
    expect(siteA.resource).toEqual({ id: 'site-a' });
    const paidA = (await provision({ customerId, planId: 'plan-site-paid', resourceId: 'site-a', billingPeriod: 'MONTHLY' }).expect(201)).body.subscription;
    expect((await get(siteA.id)).status).toBe('CANCELED');
    expect((await get(siteB.id)).status).toBe('ACTIVE');
    const onA = await api().get(`/v1/customers/${customerId}/subscriptions?resourceId=site-a`).set('X-API-KEY', key).expect(200);
    expect(onA.body.map((s: { id: string }) => s.id)).toEqual([paidA.id]);
  });

  it('never leaves two live non-trial subscriptions, even under concurrent provisions', async () => {
    const customerId = await newCustomer();
    const results = await Promise.all(Array.from({ length: 6 }, () => provision({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY' })));
    for (const result of results) expect([201, 409]).toContain(result.status);
    const live = await api().get(`/v1/customers/${customerId}/subscriptions`).set('X-API-KEY', key).expect(200);
    expect(live.body).toHaveLength(1);
  });

  it('schedules a start date in the future as NOT_STARTED; refuses a second scheduled start', async () => {
    const customerId = await newCustomer();
    const startDate = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const scheduled = (await provision({ customerId, planId: 'plan-free', startDate }).expect(201)).body.subscription;
    expect(scheduled).toMatchObject({ status: 'NOT_STARTED', startDate });
    const second = await provision({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY', startDate }).expect(409);
    expect(second.body.error.code).toBe('START_ALREADY_SCHEDULED');
    const cancelled = await api().post(`/v1/subscriptions/${scheduled.id}/cancel`).set('X-API-KEY', key).send({}).expect(200);
    expect(cancelled.body.status).toBe('CANCELED');
    const again = await api().post(`/v1/subscriptions/${scheduled.id}/cancel`).set('X-API-KEY', key).send({}).expect(409);
    expect(again.body.error.code).toBe('SUBSCRIPTION_NOT_CANCELABLE');
  });
});

describe('provisionCustomer\'s initial subscription', () => {
  it('follows the customer journey when subscriptionParams is absent, skips it on null, takes the requested plan otherwise', async () => {
    const journey = await api().post('/v1/customers').set('X-API-KEY', key).send({ customerId: 'journey-1' }).expect(201);
    expect(journey.body).toMatchObject({ subscriptionDecisionStrategy: 'PREDEFINED_FREE_PLAN', subscription: { planId: 'plan-free', status: 'ACTIVE', customerId: 'journey-1' } });

    const skipped = await api().post('/v1/customers').set('X-API-KEY', key).send({ customerId: 'journey-2', subscriptionParams: null }).expect(201);
    expect(skipped.body.subscriptionDecisionStrategy).toBe('SKIPPED_SUBSCRIPTION_CREATION');
    expect(skipped.body.subscription).toBeUndefined();
    expect((await api().get('/v1/customers/journey-2/subscriptions').set('X-API-KEY', key).expect(200)).body).toEqual([]);

    const requested = await api()
      .post('/v1/customers')
      .set('X-API-KEY', key)
      .send({ customerId: 'journey-3', subscriptionParams: { planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 5 } })
      .expect(201);
    expect(requested.body).toMatchObject({ subscriptionDecisionStrategy: 'REQUESTED_PLAN', subscription: { planId: 'plan-pro', status: 'IN_TRIAL' } });

    // Provisioning the same customer again creates no second subscription.
    const again = await api().post('/v1/customers').set('X-API-KEY', key).send({ customerId: 'journey-1' }).expect(200);
    expect(again.body.subscription).toBeUndefined();
    expect((await api().get('/v1/customers/journey-1/subscriptions').set('X-API-KEY', key).expect(200)).body).toHaveLength(1);
  });
});

describe('bad input: a clear 4xx naming the field, and nothing created', () => {
  let customerId: string;
  beforeAll(async () => {
    customerId = await newCustomer();
  });

  const cases: [string, () => Record<string, unknown>, number, string][] = [
    ['unknown customer', () => ({ customerId: 'nobody', planId: 'plan-free' }), 404, 'customerId'],
    ['unknown plan', () => ({ customerId, planId: 'plan-gold' }), 404, 'planId'],
    ['unknown add-on', () => ({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY', addons: [{ addonId: 'addon-nope', quantity: 1 }] }), 404, 'addons[0].addonId'],
    ['paid plan without billing period', () => ({ customerId, planId: 'plan-basic' }), 400, 'billingPeriod'],
    ['per-unit price without quantity', () => ({ customerId, planId: 'plan-pro', billingPeriod: 'MONTHLY' }), 400, 'billableFeatures'],
    ['add-on over its maxQuantity', () => ({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY', addons: [{ addonId: 'addon-extra-projects', quantity: 11 }] }), 400, 'addons[0].quantity'],
    ['add-on quantity below 1', () => ({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY', addons: [{ addonId: 'addon-extra-projects', quantity: 0 }] }), 400, 'addons[0].quantity'],
    ['add-on not compatible with the plan', () => ({ customerId, planId: 'plan-free', addons: [{ addonId: 'addon-extra-projects', quantity: 1 }] }), 400, 'addons[0].addonId'],
    ['resourceId on a single-subscription product', () => ({ customerId, planId: 'plan-free', resourceId: 'r1' }), 400, 'resourceId'],
    ['no resourceId on a multi-subscription product', () => ({ customerId, planId: 'plan-site-free' }), 400, 'resourceId'],
    ['malformed startDate', () => ({ customerId, planId: 'plan-free', startDate: '26/11/2026' }), 400, 'startDate'],
    ['startDate in year 50 (read as 1950 by Date.UTC)', () => ({ customerId, planId: 'plan-free', startDate: '0050-06-15' }), 400, 'startDate'],
    ['country not ISO-3166-1 alpha-2', () => ({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY', billingCountryCode: 'DNK' }), 400, 'billingCountryCode'],
    ['checkout URL that is not http(s)', () => ({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY', checkoutOptions: { successUrl: 'javascript:alert(1)', cancelUrl: 'https://x.example' } }), 400, 'checkoutOptions.successUrl'],
  ];
  it.each(cases)('%s', async (_name, body, status, field) => {
    const before = await countSubscriptions();
    const answer = await provision(body()).expect(status);
    expect(answer.body.error.field).toBe(field);
    expect(await countSubscriptions()).toBe(before);
  });

  it('an archived customer gets a 409', async () => {
    const archived = await newCustomer();
    await harness.database.db.updateTable('customers').set({ archived_at: new Date() }).where('id', '=', archived).execute();
    const answer = await provision({ customerId: archived, planId: 'plan-free' }).expect(409);
    expect(answer.body.error).toMatchObject({ code: 'CUSTOMER_ARCHIVED', field: 'customerId' });
  });

  it('an unknown subscription is a 404 to read and to cancel', async () => {
    await api().get('/v1/subscriptions/sub-nope').set('X-API-KEY', key).expect(404);
    await api().post('/v1/subscriptions/sub-nope/cancel').set('X-API-KEY', key).send({}).expect(404);
    await api().get('/v1/customers/nobody/subscriptions').set('X-API-KEY', key).expect(404);
  });
});
