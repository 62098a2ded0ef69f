import type Stripe from 'stripe';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiHarness } from '../support/apiHarness';
import { startStripeCatalogHarness } from '../support/stripeCatalogHarness';
import { webhooksHandled } from '../support/webhooksHandled';

// What Stripe does on its own clock reaches Tollgate through its signed webhooks: renewals (invoice.paid,
// customer.subscription.updated), a trial Stripe converts to paid, a renewal whose charge is declined; and a
// billing-period change made here starts a new cycle at Stripe that Tollgate then shows. The sandbox's clock is moved
// on by the test; Tollgate's own timers (a month away in real time) never fire here, so every change seen is the
// webhook path.
let harness: ApiHarness;
let key: string;
let stripe: Stripe;
let environmentId: string;
// The sandbox's clock runs ahead of the real one by this much; it only ever moves on.
let stripeClockAheadMs = 0;

const DAY_MS = 86_400_000;

beforeAll(async () => {
  ({ harness, key, environmentId, stripe } = await startStripeCatalogHarness(() => Date.now() + stripeClockAheadMs));
}, 120_000);
afterAll(async () => harness?.stop());

const api = () => request(harness.app);

type SubscriptionView = {
  id: string;
  billingId: string | null;
  status: string;
  billingPeriod: string;
  currentBillingPeriodStart: string;
  currentBillingPeriodEnd: string;
  trialEndDate: string | null;
  lastInvoice: { id: string; status: string; amountDue: number } | null;
  prices: { featureId: string | null; billingId: string }[];
};
type HistoryEntry = { transition: string; cause: string; causeDetail: string | null };

let counter = 0;
async function customerWithCard() {
  const customerId = `renewals-${++counter}`;
  await api().post('/v1/customers').set('X-API-KEY', key).send({ customerId, subscriptionParams: null, billingInfo: { paymentMethodId: 'pm_card_visa' } }).expect(201);
  const customer = (await api().get(`/v1/customers/${customerId}`).set('X-API-KEY', key).expect(200)).body as { billingId: string };
  return { customerId, customerBillingId: customer.billingId };
}
const read = async (id: string): Promise<SubscriptionView> => (await api().get(`/v1/subscriptions/${id}`).set('X-API-KEY', key).expect(200)).body;
const historyOf = async (id: string): Promise<HistoryEntry[]> => (await api().get(`/v1/subscriptions/${id}/history`).set('X-API-KEY', key).expect(200)).body.entries;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
const periodAtStripe = (subscription: Stripe.Subscription) => {
  const item = subscription.items.data[0]!;
  return { start: iso(item.current_period_start), end: iso(item.current_period_end) };
};

// Moves Stripe's clock on and lets it catch up (the sandbox sweeps whenever it is asked anything), then waits until
// every webhook it sent has been delivered.
async function stripeClockMovesTo(whenMs: number) {
  stripeClockAheadMs = Math.max(stripeClockAheadMs, whenMs - Date.now() + 1000);
  await stripe.customers.list({ limit: 1 });
  await harness.stripe!.settleWebhooks();
}

async function eventually<T>(readValue: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const value = await readValue();
    if (check(value) || attempt > 300) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// First: Tollgate computes the trial's end on its own clock, which Stripe's must not have left behind yet.
describe('a trial Stripe runs', () => {
  it('a trial started with a card on file is trialing at Stripe; at its end Stripe converts it and Tollgate shows ACTIVE', async () => {
    const { customerId } = await customerWithCard();
    const created = await api().post('/v1/subscriptions').set('X-API-KEY', key).send({ customerId, planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 2 });
    expect(created.body.error ?? null).toBeNull();
    const trial: SubscriptionView = created.body.subscription;
    expect(trial).toMatchObject({ status: 'IN_TRIAL', billingId: expect.stringMatching(/^sub_/), trialEndDate: expect.any(String) });
    expect(await stripe.subscriptions.retrieve(trial.billingId!)).toMatchObject({ status: 'trialing', trial_end: Date.parse(trial.trialEndDate!) / 1000 });

    await stripeClockMovesTo(Date.parse(trial.trialEndDate!));
    const atStripe = await stripe.subscriptions.retrieve(trial.billingId!);
    expect(atStripe.status).toBe('active');
    const converted = await eventually(() => read(trial.id), (s) => s.status === 'ACTIVE');
    expect(converted).toMatchObject({ status: 'ACTIVE', currentBillingPeriodStart: trial.trialEndDate, currentBillingPeriodEnd: periodAtStripe(atStripe).end });
    // The first paid invoice: plan-pro $49.00 + 2 seats × $12.00 = $73.00.
    const firstPaid = (await stripe.invoices.list({ subscription: trial.billingId!, limit: 100 })).data.find((i) => i.billing_reason === 'subscription_cycle')!;
    expect(firstPaid).toMatchObject({ status: 'paid', amount_paid: 4900 + 2 * 1200 });
    const activated = (await historyOf(trial.id)).filter((entry) => entry.transition === 'ACTIVATED');
    expect(activated).toMatchObject([{ cause: 'WEBHOOK' }]);
  });
});

describe('renewals with Stripe', () => {
  it('each period Stripe renews and charges moves currentBillingPeriodStart/End to Stripe\'s, with a WEBHOOK history entry and the renewal invoice', async () => {
    const { customerId } = await customerWithCard();
    const created = await api().post('/v1/subscriptions').set('X-API-KEY', key).send({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY' }).expect(201);
    const first: SubscriptionView = created.body.subscription;
    expect(first).toMatchObject({ status: 'ACTIVE', billingId: expect.stringMatching(/^sub_/) });

    for (let renewal = 1; renewal <= 2; renewal++) {
      // What Stripe sent before the clock moves is applied first, so the renewal is recorded as caused by its own events.
      await webhooksHandled(harness, environmentId, first.id);
      const before = await read(first.id);
      await stripeClockMovesTo(Date.parse(before.currentBillingPeriodEnd));
      const atStripe = await stripe.subscriptions.retrieve(first.billingId!);
      // Stripe renewed: the new period starts where the old one ended.
      expect(periodAtStripe(atStripe).start).toBe(before.currentBillingPeriodEnd);
      const renewed = await eventually(() => read(first.id), (s) => s.currentBillingPeriodStart === before.currentBillingPeriodEnd);
      expect(renewed).toMatchObject({ status: 'ACTIVE', currentBillingPeriodStart: periodAtStripe(atStripe).start, currentBillingPeriodEnd: periodAtStripe(atStripe).end });
      // The renewal invoice (a month of plan-basic, $19.00) is the last one shown.
      const cycleInvoices = (await stripe.invoices.list({ subscription: first.billingId!, limit: 100 })).data.filter((i) => i.billing_reason === 'subscription_cycle');
      expect(cycleInvoices).toHaveLength(renewal);
      expect(cycleInvoices[0]).toMatchObject({ status: 'paid', amount_paid: 1900 });
      const shown = await eventually(() => read(first.id), (s) => s.lastInvoice?.id === cycleInvoices[0]!.id);
      expect(shown.lastInvoice).toMatchObject({ id: cycleInvoices[0]!.id, status: 'paid' });
    }
    const renewals = (await historyOf(first.id)).filter((entry) => entry.transition === 'RENEWED');
    expect(renewals).toHaveLength(2);
    for (const entry of renewals) expect(entry).toMatchObject({ cause: 'WEBHOOK', causeDetail: expect.stringMatching(/^(invoice\.paid|customer\.subscription\.updated) evt_/) });
  });

  it('a renewal whose charge is declined marks it PAYMENT_PENDING with its grace period, entitlements kept', async () => {
    const { customerId, customerBillingId } = await customerWithCard();
    const created = await api().post('/v1/subscriptions').set('X-API-KEY', key).send({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY' }).expect(201);
    const subscription: SubscriptionView = created.body.subscription;
    harness.stripe!.failNextPayment(customerBillingId);

    await stripeClockMovesTo(Date.parse(subscription.currentBillingPeriodEnd));
    // Stripe's customer.subscription.updated (past_due) and invoice.payment_failed are two webhooks, applied in the
    // order they arrive: the status may show before the failed invoice does.
    const pending = await eventually(() => read(subscription.id), (s) => s.status === 'PAYMENT_PENDING' && s.lastInvoice?.status === 'open');
    expect(pending).toMatchObject({ status: 'PAYMENT_PENDING', lastInvoice: { status: 'open' } });
    expect((await api().get(`/v1/customers/${customerId}/entitlements/feature-projects`).set('X-API-KEY', key).expect(200)).body.hasAccess).toBe(true);
    expect((await historyOf(subscription.id)).map((entry) => `${entry.transition}:${entry.cause}`)).toContain('PAYMENT_FAILED:WEBHOOK');
  });
});

describe('a billing-period change with Stripe', () => {
  it('MONTHLY → ANNUALLY swaps to the annual prices and starts a new yearly cycle at Stripe, which Tollgate shows', async () => {
    const { customerId } = await customerWithCard();
    const created = await api().post('/v1/subscriptions').set('X-API-KEY', key).send({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY' }).expect(201);
    const monthly: SubscriptionView = created.body.subscription;
    stripeClockAheadMs += 3 * DAY_MS;

    const answer = await api().patch(`/v1/subscriptions/${monthly.id}`).set('X-API-KEY', key).send({ billingPeriod: 'ANNUALLY' }).expect(200);
    const atStripe = await stripe.subscriptions.retrieve(monthly.billingId!);
    expect(atStripe.items.data.map((item) => item.price.recurring?.interval)).toEqual(['year']);
    expect(answer.body).toMatchObject({ billingPeriod: 'ANNUALLY', currentBillingPeriodStart: periodAtStripe(atStripe).start, currentBillingPeriodEnd: periodAtStripe(atStripe).end });
    // A new cycle: it starts at the change (not at the signup), and lasts a year.
    expect(Date.parse(answer.body.currentBillingPeriodStart)).toBeGreaterThan(Date.parse(monthly.currentBillingPeriodStart) + 2 * DAY_MS);
    const start = new Date(answer.body.currentBillingPeriodStart);
    const yearLater = new Date(start);
    yearLater.setUTCFullYear(start.getUTCFullYear() + 1);
    expect(answer.body.currentBillingPeriodEnd).toBe(yearLater.toISOString());
    expect(await read(monthly.id)).toMatchObject({ billingPeriod: 'ANNUALLY', currentBillingPeriodEnd: yearLater.toISOString() });
  });
});
