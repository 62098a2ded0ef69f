import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyCatalog } from '../../src/services/applyCatalog';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { expectAnswersDocumented, recordAnswers } from '../support/documentedAnswers';
import { subscriptionTestCatalog } from '../support/subscriptionFixtures';
import { createTestEnvironment } from '../support/testEnvironment';

// estimateSubscription and estimateSubscriptionUpdate over HTTP without a billing provider: figures from the pricing
// engine, each expected figure derived here from the catalog's prices (example catalog: plan-basic 19.00/month, plan-pro
// 49.00/month + 12.00 a seat, or 490.00/year + seats graduated 120.00 ×10 then 96.00; add-on 5.00/month), and the
// refusals of provisioning and updates, naming the field. Estimates create and change nothing.
let harness: ApiHarness;
let key: string;
let environmentId: string;

beforeAll(async () => {
  harness = await startApiHarness({ billing: 'none' });
  const environment = await createTestEnvironment(harness.database.db);
  key = environment.apiKey;
  environmentId = environment.environmentId;
  await applyCatalog(harness.database.db, environmentId, subscriptionTestCatalog());
}, 120_000);
afterAll(async () => harness?.stop());

const answers = recordAnswers(() => harness.app);
const api = answers.api;
afterEach(async () => expectAnswersDocumented(harness.app, answers.takeAnswers()));

let counter = 0;
async function newCustomer() {
  const customerId = `estimate-api-${++counter}`;
  await api().post('/v1/customers').set('X-API-KEY', key).send({ customerId, subscriptionParams: null }).expect(201);
  return customerId;
}
async function customerOn(body: Record<string, unknown>) {
  const customerId = await newCustomer();
  const subscription = (await api().post('/v1/subscriptions').set('X-API-KEY', key).send({ customerId, skipTrial: true, ...body }).expect(201)).body.subscription;
  return { customerId, subscription: subscription as { id: string; currentBillingPeriodStart: string; currentBillingPeriodEnd: string; updatedAt: string } };
}
const estimate = (body: unknown) => api().post('/v1/subscriptions/estimate').set('X-API-KEY', key).send(body as object);
const estimateUpdate = (id: string, body: unknown) => api().post(`/v1/subscriptions/${id}/estimate`).set('X-API-KEY', key).send(body as object);
const read = async (id: string) => (await api().get(`/v1/subscriptions/${id}`).set('X-API-KEY', key).expect(200)).body;
const usd = (amount: number) => ({ amount, currency: 'usd' });
const subscriptionCount = async () => Number((await harness.database.db.selectFrom('subscriptions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

/** amount × remaining / period, to the nearest cent, halves away from zero (README "Rounding"), in integers. */
function prorated(fullAmount: number, remainingSeconds: number, periodSeconds: number): number {
  const sign = fullAmount < 0 ? -1 : 1;
  return sign * Math.floor((2 * Math.abs(fullAmount) * remainingSeconds + periodSeconds) / (2 * periodSeconds));
}
const seconds = (iso: string) => Math.floor(new Date(iso).getTime() / 1000);

describe('estimateSubscription (engine)', () => {
  it('prices a plan with seats and add-ons and an exclusive tax, line by line, for the period from startDate', async () => {
    const customerId = await newCustomer();
    const before = await subscriptionCount();
    const answer = await estimate({
      customerId, planId: 'plan-pro', billingPeriod: 'MONTHLY', billableFeatures: [{ featureId: 'feature-seats', quantity: 3 }],
      addons: [{ addonId: 'addon-extra-projects', quantity: 2 }], billingInformation: { taxPercentage: 8.25 }, startDate: '2030-01-31T00:00:00.000Z',
    }).expect(200);
    // Lines: 4900 flat; 3 × 1200 = 3600 seats; 2 × 500 = 1000 add-on → subTotal 9500.
    // Tax 8.25 % on each line, rounded on its own: 404.25 → 404; 297 → 297; 82.5 → 83 (halves away from zero) → 784.
    expect(answer.body).toMatchObject({
      subTotal: usd(9500), tax: usd(784), totalExcludingTax: usd(9500), total: usd(9500 + 784),
      taxDetails: { displayName: 'Tax', inclusive: false, percentage: 8.25 },
      taxes: [{ displayName: 'Tax', inclusive: false, percentage: 8.25, taxableAmount: usd(9500), amount: usd(784) }],
      // A month from Jan 31 ends on Feb 28 (clamped to the month's end, as Stripe does).
      billingPeriodRange: { start: '2030-01-31T00:00:00.000Z', end: '2030-02-28T00:00:00.000Z' },
      source: 'ENGINE',
    });
    expect(answer.body.proration).toBeUndefined();
    expect(answer.body.discount).toBeUndefined();
    expect(await subscriptionCount()).toBe(before);
  });

  it('an annual plan with graduated seats, and a localized price', async () => {
    const customerId = await newCustomer();
    const annual = await estimate({ customerId, planId: 'plan-pro', billingPeriod: 'ANNUALLY', unitQuantity: 12, startDate: '2030-03-01T00:00:00Z' }).expect(200);
    // 49000 flat + seats graduated: 10 × 12000 + 2 × 9600 = 139200 → 188200; a year from Mar 1.
    expect(annual.body).toMatchObject({ subTotal: usd(188_200), total: usd(188_200), tax: usd(0), billingPeriodRange: { start: '2030-03-01T00:00:00.000Z', end: '2031-03-01T00:00:00.000Z' } });
    const danish = await estimate({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY', billingCountryCode: 'DK' }).expect(200);
    // plan-basic's DK row: 139.00 kr.
    expect(danish.body).toMatchObject({ subTotal: { amount: 13900, currency: 'dkk' }, total: { amount: 13900, currency: 'dkk' } });
  });

  it('replacing a live paid subscription: the proration against it, and the new un-prorated totals', async () => {
    const { customerId, subscription } = await customerOn({ planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    const answer = await estimate({ customerId, planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 2 }).expect(200);
    const { prorationDate } = answer.body.proration;
    const period = seconds(subscription.currentBillingPeriodEnd) - seconds(subscription.currentBillingPeriodStart);
    const remaining = seconds(subscription.currentBillingPeriodEnd) - seconds(prorationDate);
    expect(remaining).toBeGreaterThan(0);
    // Credit for basic's unused time; debits for pro's flat fee and its 2 seats (2 × 1200), each line rounded on its own.
    const credit = prorated(-1900, remaining, period);
    const debit = prorated(4900, remaining, period) + prorated(2400, remaining, period);
    expect(answer.body).toMatchObject({
      proration: { credit: usd(credit), debit: usd(debit), netAmount: usd(credit + debit) },
      subTotal: usd(credit + debit), total: usd(credit + debit),
      subscription: { subTotal: usd(7300), total: usd(7300), tax: usd(0), totalExcludingTax: usd(7300) },
      billingPeriodRange: { start: subscription.currentBillingPeriodStart, end: subscription.currentBillingPeriodEnd },
    });
    expect((await read(subscription.id)).planId).toBe('plan-basic');
  });

  it('refuses what provisioning refuses, naming the field, and creates nothing', async () => {
    const customerId = await newCustomer();
    const before = await subscriptionCount();
    const refused = async (body: Record<string, unknown>, status: number, field: string, code?: string) => {
      const answer = await estimate({ customerId, ...body }).expect(status);
      expect(answer.body.error).toMatchObject({ field, ...(code && { code }) });
    };
    await refused({ planId: 'plan-nope', billingPeriod: 'MONTHLY' }, 404, 'planId', 'UNKNOWN_REFERENCE');
    await refused({ planId: 'plan-site-paid', resourceId: 'site-1', billingPeriod: 'MONTHLY', addons: [{ addonId: 'addon-extra-projects', quantity: 1 }] }, 400, 'addons[0].addonId');
    await refused({ planId: 'plan-basic', billingPeriod: 'MONTHLY', addons: [{ addonId: 'addon-nope', quantity: 1 }] }, 404, 'addons[0].addonId');
    await refused({ planId: 'plan-basic', billingPeriod: 'MONTHLY', addons: [{ addonId: 'addon-extra-projects', quantity: 11 }] }, 400, 'addons[0].quantity');
    await refused({ planId: 'plan-pro' }, 400, 'billingPeriod');
    await refused({ planId: 'plan-basic', billingPeriod: 'MONTHLY', promotionCode: 'SAVE20' }, 422, 'promotionCode', 'PROMOTION_CODE_NOT_APPLICABLE');
    await refused({ planId: 'plan-basic', billingPeriod: 'MONTHLY', skipTrial: true }, 400, 'skipTrial');
    const unknownCustomer = await estimate({ customerId: 'estimate-nobody', planId: 'plan-basic', billingPeriod: 'MONTHLY' }).expect(404);
    expect(unknownCustomer.body.error.field).toBe('customerId');
    expect(await subscriptionCount()).toBe(before);
  });
});

describe('estimateSubscriptionUpdate (engine)', () => {
  it('more seats: a credit for the old seats\' unused time, a debit for the new ones\', to the second; nothing changes', async () => {
    const { subscription } = await customerOn({ planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 2 });
    const answer = await estimateUpdate(subscription.id, { unitQuantity: 5, addons: [{ addonId: 'addon-extra-projects', quantity: 1 }] }).expect(200);
    const period = seconds(subscription.currentBillingPeriodEnd) - seconds(subscription.currentBillingPeriodStart);
    const remaining = seconds(subscription.currentBillingPeriodEnd) - seconds(answer.body.proration.prorationDate);
    // The flat fee is unchanged (no line); seats 2 → 5: −2 × 1200 and +5 × 1200 for the remaining time; the add-on is new (debit only).
    const credit = prorated(-2400, remaining, period);
    const debit = prorated(6000, remaining, period) + prorated(500, remaining, period);
    expect(answer.body).toMatchObject({
      proration: { credit: usd(credit), debit: usd(debit), netAmount: usd(credit + debit) },
      total: usd(credit + debit),
      // After it: 4900 + 5 × 1200 + 500.
      subscription: { total: usd(11_400), subTotal: usd(11_400) },
      billingPeriodRange: { start: subscription.currentBillingPeriodStart, end: subscription.currentBillingPeriodEnd },
      source: 'ENGINE',
    });
    const after = await read(subscription.id);
    expect(after.updatedAt).toBe(subscription.updatedAt);
    expect(after.billableFeatures).toEqual([{ featureId: 'feature-seats', quantity: 2 }]);
  });

  it('no change nets to zero', async () => {
    const { subscription } = await customerOn({ planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 3 });
    const answer = await estimateUpdate(subscription.id, { unitQuantity: 3 }).expect(200);
    expect(answer.body).toMatchObject({ proration: { credit: usd(0), debit: usd(0), netAmount: usd(0) }, total: usd(0), subscription: { total: usd(4900 + 3600) } });
  });

  it('refuses what updateSubscription refuses, naming the field', async () => {
    const { subscription } = await customerOn({ planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    const refused = async (id: string, body: Record<string, unknown>, status: number, field: string, code?: string) => {
      const answer = await estimateUpdate(id, body).expect(status);
      expect(answer.body.error).toMatchObject({ field, ...(code && { code }) });
    };
    await refused('sub-nope', {}, 404, 'subscriptionId');
    await refused(subscription.id, { addons: [{ addonId: 'addon-nope', quantity: 1 }] }, 404, 'addons[0].addonId');
    await refused(subscription.id, { addons: [{ addonId: 'addon-extra-projects', quantity: 11 }] }, 400, 'addons[0].quantity');
    await refused(subscription.id, { unitQuantity: 2 }, 400, 'unitQuantity');
    await refused(subscription.id, { promotionCode: 'SAVE20' }, 422, 'promotionCode', 'PROMOTION_CODE_NOT_APPLICABLE');
    await refused(subscription.id, { billingPeriod: 'ANNUALLY' }, 400, 'billingPeriod');
    const site = await customerOn({ planId: 'plan-site-paid', resourceId: 'site-9', billingPeriod: 'MONTHLY' });
    await refused(site.subscription.id, { addons: [{ addonId: 'addon-extra-projects', quantity: 1 }] }, 400, 'addons[0].addonId');
    await api().post(`/v1/subscriptions/${subscription.id}/cancel`).set('X-API-KEY', key).send({}).expect(200);
    await refused(subscription.id, {}, 409, 'subscriptionId', 'SUBSCRIPTION_NOT_UPDATABLE');
  });
});

describe('updateSubscription\'s prorationDate (an estimate\'s)', () => {
  it('is refused in the future or outside the current period, naming the field and changing nothing; accepted within it', async () => {
    const { subscription } = await customerOn({ planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 2 });
    const patch = (body: unknown) => api().patch(`/v1/subscriptions/${subscription.id}`).set('X-API-KEY', key).send(body as object);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const beforePeriod = new Date(new Date(subscription.currentBillingPeriodStart).getTime() - 86_400_000).toISOString();
    for (const prorationDate of [future, beforePeriod]) {
      const answer = await patch({ unitQuantity: 3, prorationDate }).expect(400);
      expect(answer.body.error).toMatchObject({ code: 'INVALID_INPUT', field: 'prorationDate' });
    }
    expect((await patch({ unitQuantity: 3, prorationDate: 'yesterday' }).expect(400)).body.error.field).toBe('prorationDate');
    expect((await read(subscription.id)).updatedAt).toBe(subscription.updatedAt);
    const { prorationDate } = (await estimateUpdate(subscription.id, { unitQuantity: 3 }).expect(200)).body.proration;
    expect((await patch({ unitQuantity: 3, prorationDate }).expect(200)).body.billableFeatures).toEqual([{ featureId: 'feature-seats', quantity: 3 }]);
  });
});

