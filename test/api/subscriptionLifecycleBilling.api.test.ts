import type Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiHarness } from '../support/apiHarness';
import { startStripeCatalogHarness } from '../support/stripeCatalogHarness';
import { expectAnswersDocumented, recordAnswers } from '../support/documentedAnswers';
import { webhooksHandled as webhooksHandledBy } from '../support/webhooksHandled';

// updateSubscription and cancelSubscription over HTTP with the Stripe sandbox behind the real Stripe adapter, its
// signed webhooks reaching POST /webhooks/stripe: what Stripe ends up with, what is charged or credited (derived here
// from first principles), and dashboard changes coming back through the webhooks.
let harness: ApiHarness;
let key: string;
let stripe: Stripe;
let environmentId: string;
// The sandbox's clock runs ahead of the real one by this much; it only ever moves on.
let stripeClockAheadMs = 0;

beforeAll(async () => {
  ({ harness, key, environmentId, stripe } = await startStripeCatalogHarness(() => Date.now() + stripeClockAheadMs));
}, 120_000);
afterAll(async () => harness?.stop());

const answers = recordAnswers(() => harness.app);
const api = answers.api;
afterEach(async () => expectAnswersDocumented(harness.app, answers.takeAnswers()));

type PriceView = { packageId: string; packageType: string; featureId: string | null; quantity: number; billingId: string };
type SubscriptionView = { id: string; billingId: string; status: string; prices: PriceView[]; currentBillingPeriodEnd: string; cancellationDate: string | null };
type HistoryEntry = { transition: string; cause: string; causeDetail: string | null };

let counter = 0;
// A customer with a card on file, subscribed (no trial) to `body`.
async function payingCustomerOn(body: Record<string, unknown>) {
  const customerId = `lifecycle-billing-${++counter}`;
  await api().post('/v1/customers').set('X-API-KEY', key).send({ customerId, subscriptionParams: null, billingInfo: { paymentMethodId: 'pm_card_visa' } }).expect(201);
  const answer = await api().post('/v1/subscriptions').set('X-API-KEY', key).send({ customerId, skipTrial: true, ...body }).expect(201);
  expect(answer.body.subscription).toMatchObject({ status: 'ACTIVE', billingId: expect.stringMatching(/^sub_/) });
  return { customerId, subscription: answer.body.subscription as SubscriptionView };
}
const patch = (id: string, body: unknown) => api().patch(`/v1/subscriptions/${id}`).set('X-API-KEY', key).send(body as object);
const cancel = (id: string, body: unknown) => api().post(`/v1/subscriptions/${id}/cancel`).set('X-API-KEY', key).send(body as object);
const read = async (id: string): Promise<SubscriptionView & Record<string, unknown>> => (await api().get(`/v1/subscriptions/${id}`).set('X-API-KEY', key).expect(200)).body;
const historyOf = async (id: string): Promise<HistoryEntry[]> => (await api().get(`/v1/subscriptions/${id}/history`).set('X-API-KEY', key).expect(200)).body.entries;
const projects = async (customerId: string) => (await api().get(`/v1/customers/${customerId}/entitlements/feature-projects`).set('X-API-KEY', key).expect(200)).body.value;
const invoicesOf = async (billingId: string, reason: string) => (await stripe.invoices.list({ subscription: billingId, limit: 100 })).data.filter((i) => i.billing_reason === reason);
const itemOf = (subscription: Stripe.Subscription, priceId: string) => subscription.items.data.find((item) => item.price.id === priceId);

// A change made 7 days and 12 345 s into the period (Stripe's clock moved on; the real seconds of the test add a few):
// the proration is of a partial period, so each line's rounding matters. Three moves stay within any subscription's
// first month, so no renewal happens in this file.
const GONE_SECONDS = 7 * 86_400 + 12_345;
const laterInThePeriod = () => {
  stripeClockAheadMs += GONE_SECONDS * 1000;
};

/** amount × quantity × remaining / period, rounded to the cent, halves away from zero (README "Rounding"), in integers. */
function prorated(unitAmount: number, quantity: number, remainingSeconds: number, periodSeconds: number): number {
  const numerator = unitAmount * quantity * remainingSeconds;
  return Math.floor((2 * numerator + periodSeconds) / (2 * periodSeconds));
}

async function eventually<T>(readValue: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const value = await readValue();
    if (check(value) || attempt > 300) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const webhooksHandled = (subscriptionId: string) => webhooksHandledBy(harness, environmentId, subscriptionId);

describe('updateSubscription with Stripe', () => {
  it('seats 2 → 3: the Stripe item follows, one proration invoice is charged at the amount derived here, a repeat is a no-op', async () => {
    const { subscription } = await payingCustomerOn({ planId: 'plan-pro', billingPeriod: 'MONTHLY', billableFeatures: [{ featureId: 'feature-seats', quantity: 2 }] });
    const seatPrice = subscription.prices.find((price) => price.featureId === 'feature-seats')!;
    expect(seatPrice).toMatchObject({ quantity: 2, unitPrice: { amount: 1200, currency: 'usd' } });
    laterInThePeriod();

    const updated = (await patch(subscription.id, { billableFeatures: [{ featureId: 'feature-seats', quantity: 3 }] }).expect(200)).body;
    expect(updated.billableFeatures).toEqual([{ featureId: 'feature-seats', quantity: 3 }]);
    expect(updated.prices.find((price: PriceView) => price.featureId === 'feature-seats').quantity).toBe(3);

    const atStripe = await stripe.subscriptions.retrieve(subscription.billingId);
    const seatItem = itemOf(atStripe, seatPrice.billingId)!;
    expect(seatItem.quantity).toBe(3);
    const [invoice, ...others] = await invoicesOf(subscription.billingId, 'subscription_update');
    expect(others).toEqual([]);
    expect(invoice).toMatchObject({ status: 'paid', currency: 'usd' });

    // Proration as the README states it: for the seat item, a credit for 2 seats and a debit for 3 over the rest of
    // the period, each line rounded on its own (halves away from zero); the flat 4900 item does not change.
    //   period   = item.current_period_end − item.current_period_start (seconds)
    //   remaining = period end − the change time (the proration lines' period.start)
    //   credit   = −round(1200 × 2 × remaining / period), debit = round(1200 × 3 × remaining / period)
    //   total    = debit + credit (≈ 1200 × remaining / period: one seat for the rest of the month)
    // e.g. a run with a 30-day period (2 592 000 s) and 1 974 854 s remaining: credit −round(2400 × 1 974 854 / 2 592 000)
    // = −round(1828.568…) = −1829, debit round(3600 × 1 974 854 / 2 592 000) = round(2742.853…) = 2743, total 914.
    const periodSeconds = seatItem.current_period_end - seatItem.current_period_start;
    const changedAt = invoice!.lines.data[0]!.period.start;
    const remaining = seatItem.current_period_end - changedAt;
    expect(periodSeconds - remaining).toBeGreaterThanOrEqual(GONE_SECONDS);
    const credit = -prorated(1200, 2, remaining, periodSeconds);
    const debit = prorated(1200, 3, remaining, periodSeconds);
    expect(invoice!.lines.data.map((line) => [line.amount, line.quantity, line.period.start, line.period.end])).toEqual([
      [credit, 2, changedAt, seatItem.current_period_end],
      [debit, 3, changedAt, seatItem.current_period_end],
    ]);
    expect(invoice).toMatchObject({ total: debit + credit, amount_paid: debit + credit });
    expect(debit + credit).toBeGreaterThan(0);
    expect(debit + credit).toBeLessThan(1200);

    const updates = (await historyOf(subscription.id)).filter((entry) => entry.transition === 'UPDATED');
    expect(updates).toMatchObject([{ cause: 'API' }]);

    // The same PATCH again: nothing to change, so nothing charged and nothing recorded.
    await webhooksHandled(subscription.id);
    const historyBefore = await historyOf(subscription.id);
    const before = await read(subscription.id);
    const again = (await patch(subscription.id, { billableFeatures: [{ featureId: 'feature-seats', quantity: 3 }] }).expect(200)).body;
    expect(again).toEqual(before);
    await webhooksHandled(subscription.id);
    expect(await invoicesOf(subscription.billingId, 'subscription_update')).toHaveLength(1);
    expect(await historyOf(subscription.id)).toEqual(historyBefore);
    expect(itemOf(await stripe.subscriptions.retrieve(subscription.billingId), seatPrice.billingId)!.quantity).toBe(3);
  });

  it('adding an add-on prorates and invoices at once, and its entitlements follow', async () => {
    const { customerId, subscription } = await payingCustomerOn({ planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    expect(await projects(customerId)).toBe(20);
    laterInThePeriod();

    const updated = (await patch(subscription.id, { addons: [{ addonId: 'addon-extra-projects', quantity: 2 }] }).expect(200)).body;
    expect(updated.addons).toEqual([{ addonId: 'addon-extra-projects', quantity: 2, version: 1 }]);
    // 20 from the plan + 2 × 10 from the add-on.
    expect(await projects(customerId)).toBe(40);

    const addonPrice = (updated.prices as PriceView[]).find((price) => price.packageType === 'ADDON')!;
    const atStripe = await stripe.subscriptions.retrieve(subscription.billingId);
    const addonItem = itemOf(atStripe, addonPrice.billingId)!;
    expect(addonItem.quantity).toBe(2);
    const [invoice, ...others] = await invoicesOf(subscription.billingId, 'subscription_update');
    expect(others).toEqual([]);
    // A new item: no credit, one debit of round(500 × 2 × remaining / period); the plan's item does not change.
    // e.g. a 31-day period (2 678 400 s), 2 061 255 s remaining: round(1000 × 2 061 255 / 2 678 400) = round(769.59…) = 770.
    const periodSeconds = addonItem.current_period_end - addonItem.current_period_start;
    const remaining = addonItem.current_period_end - invoice!.lines.data[0]!.period.start;
    expect(periodSeconds - remaining).toBeGreaterThanOrEqual(GONE_SECONDS);
    const debit = prorated(500, 2, remaining, periodSeconds);
    expect(invoice!.lines.data.map((line) => [line.amount, line.quantity])).toEqual([[debit, 2]]);
    expect(invoice).toMatchObject({ status: 'paid', total: debit, amount_paid: debit });
  });
});

describe('cancelSubscription with Stripe', () => {
  it('END_OF_BILLING_PERIOD sets cancel_at at Stripe and shows in scheduledChanges; cancellationDate: null clears both', async () => {
    const { subscription } = await payingCustomerOn({ planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    const periodEnd = subscription.currentBillingPeriodEnd;
    const scheduled = (await cancel(subscription.id, { subscriptionCancellationTime: 'END_OF_BILLING_PERIOD' }).expect(200)).body;
    expect(scheduled).toMatchObject({ status: 'ACTIVE', cancellationDate: periodEnd, scheduledChanges: [{ type: 'CANCELLATION', at: periodEnd }] });
    const atStripe = await stripe.subscriptions.retrieve(subscription.billingId);
    expect(atStripe).toMatchObject({ status: 'active', cancel_at: Date.parse(periodEnd) / 1000 });

    const undone = (await patch(subscription.id, { cancellationDate: null }).expect(200)).body;
    expect(undone).toMatchObject({ status: 'ACTIVE', cancellationDate: null, scheduledChanges: [] });
    expect(await stripe.subscriptions.retrieve(subscription.billingId)).toMatchObject({ status: 'active', cancel_at: null, cancel_at_period_end: false });
    // The webhooks of both changes come back and change nothing more.
    await webhooksHandled(subscription.id);
    expect(await read(subscription.id)).toMatchObject({ status: 'ACTIVE', cancellationDate: null });
  });

  it('IMMEDIATE with prorate: canceled at Stripe, the unused time credited to the customer, the customer on plan-free', async () => {
    const { customerId, subscription } = await payingCustomerOn({ planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    laterInThePeriod();
    const ended = (await cancel(subscription.id, { subscriptionCancellationTime: 'IMMEDIATE', prorate: true }).expect(200)).body;
    expect(ended).toMatchObject({ status: 'CANCELED', endReason: 'CANCELED' });

    const atStripe = await stripe.subscriptions.retrieve(subscription.billingId);
    expect(atStripe.status).toBe('canceled');
    const item = atStripe.items.data[0]!;
    // The sandbox, as Stripe: prorate=true makes a credit line for the unused time, invoice_now bills it at once,
    // and a negative invoice goes to the customer's balance. credit = −round(1900 × remaining / period),
    // e.g. 2 061 255 s of a 2 678 400 s period: −round(1462.21…) = −1462.
    const [finalInvoice, ...others] = await invoicesOf(subscription.billingId, 'manual');
    expect(others).toEqual([]);
    const periodSeconds = item.current_period_end - item.current_period_start;
    const remaining = item.current_period_end - finalInvoice!.lines.data[0]!.period.start;
    expect(periodSeconds - remaining).toBeGreaterThanOrEqual(GONE_SECONDS);
    const credit = -prorated(1900, 1, remaining, periodSeconds);
    expect(finalInvoice!.lines.data.map((line) => line.amount)).toEqual([credit]);
    expect(finalInvoice).toMatchObject({ total: credit, amount_paid: 0 });
    const customer = (await stripe.customers.retrieve(String(atStripe.customer))) as Stripe.Customer;
    expect(customer.balance).toBe(credit);

    const live = (await api().get(`/v1/customers/${customerId}/subscriptions`).set('X-API-KEY', key).expect(200)).body;
    expect(live.map((s: { planId: string; status: string }) => `${s.planId}:${s.status}`)).toEqual(['plan-free:ACTIVE']);
    expect(await projects(customerId)).toBe(3);
  });
});

describe('changes made in the Stripe dashboard reach Tollgate through the webhooks', () => {
  it('a quantity change and cancel_at_period_end are reflected, each with a WEBHOOK history entry', async () => {
    const { subscription } = await payingCustomerOn({ planId: 'plan-pro', billingPeriod: 'MONTHLY', billableFeatures: [{ featureId: 'feature-seats', quantity: 2 }] });
    const seatPrice = subscription.prices.find((price) => price.featureId === 'feature-seats')!;
    const seatItem = itemOf(await stripe.subscriptions.retrieve(subscription.billingId), seatPrice.billingId)!;
    // The signup's own events first: the workflow reads Stripe back on each event, so a late customer.subscription.created
    // would otherwise be the one that finds (and is recorded as the cause of) the dashboard change.
    await webhooksHandled(subscription.id);

    await stripe.subscriptions.update(subscription.billingId, { items: [{ id: seatItem.id, quantity: 5 }], proration_behavior: 'none' });
    const withSeats = await eventually(() => read(subscription.id), (s) => (s.billableFeatures as { quantity: number }[])[0]?.quantity === 5);
    expect(withSeats.billableFeatures).toEqual([{ featureId: 'feature-seats', quantity: 5 }]);
    expect(withSeats.prices.find((price) => price.featureId === 'feature-seats')!.quantity).toBe(5);
    const updated = (await historyOf(subscription.id)).filter((entry) => entry.transition === 'UPDATED');
    expect(updated).toMatchObject([{ cause: 'WEBHOOK', causeDetail: expect.stringMatching(/^customer\.subscription\.updated evt_/) }]);

    await stripe.subscriptions.update(subscription.billingId, { cancel_at_period_end: true });
    const scheduled = await eventually(() => read(subscription.id), (s) => s.cancellationDate !== null);
    expect(scheduled).toMatchObject({ status: 'ACTIVE', cancellationDate: subscription.currentBillingPeriodEnd, scheduledChanges: [{ type: 'CANCELLATION', at: subscription.currentBillingPeriodEnd }] });
    const cancellations = (await historyOf(subscription.id)).filter((entry) => entry.transition === 'CANCELLATION_SCHEDULED');
    expect(cancellations).toMatchObject([{ cause: 'WEBHOOK', causeDetail: expect.stringMatching(/^customer\.subscription\.updated evt_/) }]);
  });
});
