import type Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiHarness } from '../support/apiHarness';
import { startStripeCatalogHarness } from '../support/stripeCatalogHarness';
import { expectAnswersDocumented, recordAnswers } from '../support/documentedAnswers';

// Estimates with the Stripe sandbox behind the real Stripe adapter: the figures are Stripe's invoice preview
// (source PROVIDER), and an estimate followed by the same update (given the estimate's prorationDate) charges exactly
// the estimated amount, read from the invoice Stripe raised. Expected figures are also derived here from the prices.
let harness: ApiHarness;
let key: string;
let stripe: Stripe;
// The sandbox's clock runs ahead of the real one by this much; it only ever moves on.
let stripeClockAheadMs = 0;

beforeAll(async () => {
  ({ harness, key, stripe } = await startStripeCatalogHarness(() => Date.now() + stripeClockAheadMs));
}, 120_000);
afterAll(async () => harness?.stop());

const answers = recordAnswers(() => harness.app);
const api = answers.api;
afterEach(async () => expectAnswersDocumented(harness.app, answers.takeAnswers()));

type SubscriptionView = { id: string; billingId: string; currentBillingPeriodStart: string; currentBillingPeriodEnd: string };
let counter = 0;
async function payingCustomer() {
  const customerId = `estimate-billing-${++counter}`;
  await api().post('/v1/customers').set('X-API-KEY', key).send({ customerId, subscriptionParams: null, billingInfo: { paymentMethodId: 'pm_card_visa' } }).expect(201);
  return customerId;
}
async function subscribe(customerId: string, body: Record<string, unknown>): Promise<SubscriptionView> {
  const answer = await api().post('/v1/subscriptions').set('X-API-KEY', key).send({ customerId, skipTrial: true, ...body }).expect(201);
  expect(answer.body.subscription).toMatchObject({ status: 'ACTIVE', billingId: expect.stringMatching(/^sub_/) });
  return answer.body.subscription;
}
const estimate = (body: unknown) => api().post('/v1/subscriptions/estimate').set('X-API-KEY', key).send(body as object);
const estimateUpdate = (id: string, body: unknown) => api().post(`/v1/subscriptions/${id}/estimate`).set('X-API-KEY', key).send(body as object);
const invoicesOf = async (billingId: string, reason: string) => (await stripe.invoices.list({ subscription: billingId, limit: 100 })).data.filter((i) => i.billing_reason === reason);
const usd = (amount: number) => ({ amount, currency: 'usd' });
const seconds = (iso: string) => Math.floor(new Date(iso).getTime() / 1000);

/** amount × remaining / period, to the nearest cent, halves away from zero (README "Rounding"), in integers. */
function prorated(fullAmount: number, remainingSeconds: number, periodSeconds: number): number {
  const sign = fullAmount < 0 ? -1 : 1;
  return sign * Math.floor((2 * Math.abs(fullAmount) * remainingSeconds + periodSeconds) / (2 * periodSeconds));
}

describe('estimates from the provider\'s invoice preview', () => {
  it('a new subscription\'s estimate is its first invoice', async () => {
    const customerId = await payingCustomer();
    const body = { planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 2, addons: [{ addonId: 'addon-extra-projects', quantity: 1 }] };
    const answer = await estimate({ customerId, ...body }).expect(200);
    // 4900 + 2 × 1200 + 500.
    expect(answer.body).toMatchObject({ source: 'PROVIDER', subTotal: usd(7800), total: usd(7800), tax: usd(0) });
    expect(await stripe.subscriptions.list({ limit: 100 }).then((list) => list.data.filter((s) => s.customer === customerId))).toEqual([]);
    const subscription = await subscribe(customerId, body);
    const [first] = await invoicesOf(subscription.billingId, 'subscription_create');
    expect(first!.total).toBe(answer.body.total.amount);
  });

  it('a new plan on a product with a live paid subscription: the proration against it, and the new totals', async () => {
    const customerId = await payingCustomer();
    const subscription = await subscribe(customerId, { planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    const answer = await estimate({ customerId, planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 1 }).expect(200);
    const period = seconds(subscription.currentBillingPeriodEnd) - seconds(subscription.currentBillingPeriodStart);
    const remaining = seconds(subscription.currentBillingPeriodEnd) - seconds(answer.body.proration.prorationDate);
    const credit = prorated(-1900, remaining, period);
    const debit = prorated(4900, remaining, period) + prorated(1200, remaining, period);
    expect(answer.body).toMatchObject({
      source: 'PROVIDER',
      proration: { credit: usd(credit), debit: usd(debit), netAmount: usd(credit + debit) },
      total: usd(credit + debit),
      subscription: { total: usd(6100), subTotal: usd(6100) },
    });
    expect((await stripe.subscriptions.retrieve(subscription.billingId)).items.data.map((item) => item.price.unit_amount)).toEqual([1900]);
  });

  it('a promotion code: priced from its coupon when it applies, refused naming the field when it does not', async () => {
    const customerId = await payingCustomer();
    const coupon = await stripe.coupons.create({ percent_off: 20, duration: 'repeating', duration_in_months: 3 });
    await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: 'ESTIMATE20' });
    const answer = await estimate({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY', promotionCode: 'ESTIMATE20' }).expect(200);
    // 20 % of 1900 = 380.
    expect(answer.body).toMatchObject({
      subTotal: usd(1900), total: usd(1520),
      discount: { type: 'PERCENTAGE', value: 20, durationType: 'REPEATING', durationInMonths: 3, amount: usd(380) },
    });
    const refused = await estimate({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY', promotionCode: 'NOSUCHCODE' }).expect(422);
    expect(refused.body.error).toMatchObject({ code: 'PROMOTION_CODE_NOT_APPLICABLE', field: 'promotionCode' });
  });

  it('an update estimate, then the same update with its prorationDate: charged exactly the estimate, tax included', async () => {
    const customerId = await payingCustomer();
    const subscription = await subscribe(customerId, { planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 2, billingInformation: { taxPercentage: 8.25 } });
    const change = { unitQuantity: 3, addons: [{ addonId: 'addon-extra-projects', quantity: 2 }] };
    const answer = await estimateUpdate(subscription.id, change).expect(200);
    const { prorationDate } = answer.body.proration;
    const period = seconds(subscription.currentBillingPeriodEnd) - seconds(subscription.currentBillingPeriodStart);
    const remaining = seconds(subscription.currentBillingPeriodEnd) - seconds(prorationDate);
    // Seats 2 → 3: −2 × 1200 and +3 × 1200 for the remaining time; the add-on is new: +2 × 500; the flat fee is unchanged.
    const credit = prorated(-2400, remaining, period);
    const debits = [prorated(3600, remaining, period), prorated(1000, remaining, period)];
    const debit = debits[0]! + debits[1]!;
    // 8.25 % exclusive tax on each line, rounded on its own.
    const tax = [credit, ...debits].reduce((sum, line) => sum + prorated(Math.round(line * 825), 1, 10_000), 0);
    expect(answer.body).toMatchObject({
      source: 'PROVIDER',
      proration: { credit: usd(credit), debit: usd(debit), netAmount: usd(credit + debit) },
      subTotal: usd(credit + debit), tax: usd(tax), total: usd(credit + debit + tax),
      taxDetails: { inclusive: false, percentage: 8.25 },
      // After it: 4900 + 3 × 1200 + 2 × 500 = 9500, with 8.25 % on each line: 404 + 297 + 83 = 784.
      subscription: { subTotal: usd(9500), tax: usd(784), total: usd(10_284) },
    });
    expect(await invoicesOf(subscription.billingId, 'subscription_update')).toEqual([]);

    // (Last in the file: Stripe's clock stays ahead after this.)
    // Two days pass at Stripe before the update is made: given the estimate's prorationDate, it still charges the estimate.
    stripeClockAheadMs += 2 * 86_400_000;
    await api().patch(`/v1/subscriptions/${subscription.id}`).set('X-API-KEY', key).send({ ...change, prorationDate }).expect(200);
    const [invoice, ...others] = await invoicesOf(subscription.billingId, 'subscription_update');
    expect(others).toEqual([]);
    expect(invoice).toMatchObject({ total: answer.body.total.amount, subtotal: answer.body.subTotal.amount, status: 'paid' });
    expect(invoice!.lines.data.reduce((sum, line) => sum + line.amount, 0)).toBe(answer.body.proration.netAmount.amount);
  });
});
