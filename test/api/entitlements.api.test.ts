import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyCatalog } from '../../src/services/applyCatalog';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { expectAnswersDocumented, recordAnswers } from '../support/documentedAnswers';
import { subscriptionTestCatalog } from '../support/subscriptionFixtures';
import { createTestEnvironment } from '../support/testEnvironment';

// Materialised effective entitlements and the checks over HTTP, without a billing integration.
let harness: ApiHarness;
let key: string;
let environmentId: string;

beforeAll(async () => {
  harness = await startApiHarness({ billing: 'none' });
  ({ apiKey: key, environmentId } = await createTestEnvironment(harness.database.db));
  const result = await applyCatalog(harness.database.db, environmentId, subscriptionTestCatalog());
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
});
afterAll(async () => harness?.stop());

const answers = recordAnswers(() => harness.app);
const api = answers.api;
afterEach(async () => expectAnswersDocumented(harness.app, answers.takeAnswers()));

let counter = 0;
// A customer on the product's initial plan (plan-free), or on none.
async function newCustomer(subscriptionParams?: null) {
  const customerId = `ent-${++counter}`;
  await api().post('/v1/customers').set('X-API-KEY', key).send({ customerId, ...(subscriptionParams === null && { subscriptionParams: null }) }).expect(201);
  return customerId;
}
const provision = (body: Record<string, unknown>) => api().post('/v1/subscriptions').set('X-API-KEY', key).send(body).expect(201).then((r) => r.body.subscription);
const check = (customerId: string, featureId: string, query: Record<string, string | number> = {}) =>
  api().get(`/v1/customers/${customerId}/entitlements/${featureId}`).query(query).set('X-API-KEY', key).expect(200).then((r) => r.body);
const list = (customerId: string, query: Record<string, string> = {}) =>
  api().get(`/v1/customers/${customerId}/entitlements`).query(query).set('X-API-KEY', key).expect(200).then((r) => r.body.entitlements as { feature: { id: string } }[]);
const byFeature = (entitlements: { feature: { id: string } }[]) => Object.fromEntries(entitlements.map((e) => [e.feature.id, e]));

describe('effective entitlements', () => {
  it('materialises the initial plan: boolean, numeric and metered, with the usage period from the subscription start', async () => {
    const customerId = await newCustomer();
    const entitlements = byFeature(await list(customerId));
    expect(Object.keys(entitlements).sort()).toEqual(['feature-api-calls', 'feature-projects', 'feature-seats']);
    expect(entitlements['feature-projects']).toMatchObject({ hasAccess: true, type: 'NUMERIC', value: 3, isUnlimited: false });
    expect(entitlements['feature-seats']).toMatchObject({ hasAccess: true, type: 'METERED', usageLimit: 2, currentUsage: 0, hasSoftLimit: false });
    expect(entitlements['feature-seats']).not.toHaveProperty('usagePeriodStart');
    const [subscription] = (await api().get(`/v1/customers/${customerId}/subscriptions`).set('X-API-KEY', key).expect(200)).body;
    expect(entitlements['feature-api-calls']).toMatchObject({ type: 'METERED', usageLimit: 1000, resetPeriod: 'MONTH', usagePeriodAnchor: subscription.startDate, usagePeriodStart: subscription.startDate });
  });

  it('recomputes on every subscription change: an upgrade grants the new plan, add-ons add up × quantity, per-unit quantity sets the limit', async () => {
    const customerId = await newCustomer();
    expect(await check(customerId, 'feature-sso')).toMatchObject({ hasAccess: false, accessDeniedReason: 'NoFeatureEntitlementInSubscription' });
    await provision({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY', addons: [{ addonId: 'addon-extra-projects', quantity: 2 }] });
    expect(await check(customerId, 'feature-projects')).toMatchObject({ hasAccess: true, value: 40 });
    await provision({ customerId, planId: 'plan-pro', billingPeriod: 'MONTHLY', skipTrial: true, billableFeatures: [{ featureId: 'feature-seats', quantity: 4 }] });
    expect(await check(customerId, 'feature-sso')).toMatchObject({ hasAccess: true, type: 'BOOLEAN' });
    expect(await check(customerId, 'feature-projects')).toMatchObject({ hasAccess: true, isUnlimited: true });
    expect(await check(customerId, 'feature-seats', { requestedUsage: 4 })).toMatchObject({ hasAccess: true, usageLimit: 4 });
    expect(await check(customerId, 'feature-seats', { requestedUsage: 5 })).toMatchObject({ hasAccess: false, accessDeniedReason: 'RequestedUsageExceedingLimit', usageLimit: 4 });
  });

  it('gives the most generous value of a trial beside a paid plan, and takes it away when the trial ends', async () => {
    const customerId = await newCustomer(null);
    await provision({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    const trial = await provision({ customerId, planId: 'plan-pro', billingPeriod: 'MONTHLY', billableFeatures: [{ featureId: 'feature-seats', quantity: 1 }] });
    expect(trial.status).toBe('IN_TRIAL');
    expect(await check(customerId, 'feature-projects')).toMatchObject({ isUnlimited: true });
    expect(await check(customerId, 'feature-seats', { requestedUsage: 5 })).toMatchObject({ hasAccess: true, usageLimit: 5 });
    await api().post(`/v1/subscriptions/${trial.id}/cancel`).set('X-API-KEY', key).send({}).expect(200);
    expect(await check(customerId, 'feature-projects')).toMatchObject({ hasAccess: true, value: 20 });
    expect(await check(customerId, 'feature-sso')).toMatchObject({ hasAccess: false, accessDeniedReason: 'NoFeatureEntitlementInSubscription' });
  });

  it('scopes by resource: a resource sees its own subscription and the customer-wide ones', async () => {
    const customerId = await newCustomer();
    await provision({ customerId, planId: 'plan-site-free', resourceId: 'site-1' });
    expect(await list(customerId, { resourceId: 'site-1' })).toEqual(await list(customerId));
    expect(await check(customerId, 'feature-projects', { resourceId: 'site-2' })).toMatchObject({ hasAccess: false, accessDeniedReason: 'CustomerResourceNotFound' });
  });
});

describe('access denied reasons', () => {
  it('names the first thing missing', async () => {
    const subscribed = await newCustomer();
    const unsubscribed = await newCustomer(null);
    const archived = await newCustomer();
    await harness.database.db.updateTable('customers').set({ archived_at: new Date() }).where('id', '=', archived).execute();
    expect(await check('nobody', 'feature-sso')).toMatchObject({ hasAccess: false, isFallback: false, accessDeniedReason: 'CustomerNotFound' });
    expect(await check(archived, 'feature-projects')).toMatchObject({ hasAccess: false, accessDeniedReason: 'CustomerIsArchived' });
    expect(await check(subscribed, 'feature-nope')).toMatchObject({ hasAccess: false, accessDeniedReason: 'FeatureNotFound' });
    expect(await check(subscribed, 'feature-projects', { type: 'BOOLEAN' })).toMatchObject({ hasAccess: false, accessDeniedReason: 'FeatureTypeMismatch', type: 'BOOLEAN' });
    expect(await check(subscribed, 'feature-projects', { type: 'NUMERIC' })).toMatchObject({ hasAccess: true, value: 3 });
    expect(await check(subscribed, 'feature-projects', { resourceId: 'never-seen' })).toMatchObject({ hasAccess: false, accessDeniedReason: 'CustomerResourceNotFound' });
    expect(await check(unsubscribed, 'feature-projects')).toMatchObject({ hasAccess: false, accessDeniedReason: 'NoActiveSubscription' });
    expect(await check(subscribed, 'feature-sso')).toMatchObject({ hasAccess: false, accessDeniedReason: 'NoFeatureEntitlementInSubscription' });
    expect(await check(subscribed, 'feature-api-calls', { requestedUsage: 1001 })).toMatchObject({ hasAccess: false, accessDeniedReason: 'RequestedUsageExceedingLimit', usageLimit: 1000, requestedUsage: 1001 });
    expect(await check(subscribed, 'feature-api-calls', { requestedUsage: 1000 })).toMatchObject({ hasAccess: true, requestedUsage: 1000 });
  });

  it('keeps access past a soft limit', async () => {
    const customerId = await newCustomer(null);
    await provision({ customerId, planId: 'plan-pro', billingPeriod: 'MONTHLY', skipTrial: true, billableFeatures: [{ featureId: 'feature-seats', quantity: 1 }] });
    expect(await check(customerId, 'feature-api-calls', { requestedUsage: 600000 })).toMatchObject({ hasAccess: true, hasSoftLimit: true, usageLimit: 500000 });
  });

  it('answers 404 for the list of an unknown or archived customer, and 400 for bad query input', async () => {
    await api().get('/v1/customers/nobody/entitlements').set('X-API-KEY', key).expect(404);
    const customerId = await newCustomer();
    for (const requestedUsage of ['-1', 'abc', '1e999']) {
      const answer = await api().get(`/v1/customers/${customerId}/entitlements/feature-seats`).query({ requestedUsage }).set('X-API-KEY', key).expect(400);
      expect(answer.body.error.field).toBe('requestedUsage');
    }
    const wrongType = await api().get(`/v1/customers/${customerId}/entitlements/feature-seats`).query({ type: 'FLAG' }).set('X-API-KEY', key).expect(400);
    expect(wrongType.body.error.field).toBe('type');
  });
});
