import type Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiHarness } from '../support/apiHarness';
import { startStripeCatalogHarness } from '../support/stripeCatalogHarness';
import { expectAnswersDocumented, recordAnswers } from '../support/documentedAnswers';
import { secondVersionCatalog } from '../support/planVersions';

// migrateSubscriptionToLatest with the Stripe sandbox behind the real Stripe adapter: the Stripe subscription moves to
// the new version's prices and the difference is prorated and charged at once (derived here from first principles).
let harness: ApiHarness;
let key: string;
let stripe: Stripe;
let environmentId: string;
let stripeClockAheadMs = 0;

const answers = recordAnswers(() => harness.app);
const api = answers.api;
afterEach(async () => expectAnswersDocumented(harness.app, answers.takeAnswers()));

type PriceView = { packageId: string; packageType: string; version: number; quantity: number; billingId: string; unitPrice: { amount: number } };
type SubscriptionView = { id: string; billingId: string; planVersion: number; prices: PriceView[]; addons: unknown[] };

async function eventually<T>(readValue: () => Promise<T> | T, check: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const value = await readValue();
    if (check(value) || attempt > 600) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
/** amount × quantity × remaining / period, rounded to the cent, halves away from zero (README "Rounding"), in integers. */
function prorated(unitAmount: number, quantity: number, remainingSeconds: number, periodSeconds: number): number {
  return Math.floor((2 * unitAmount * quantity * remainingSeconds + periodSeconds) / (2 * periodSeconds));
}
const pricesAtStripe = (packageId: string, version: string) =>
  [...harness.stripe!.state.prices.values()].filter((price) => price.metadata.tollgate_package_id === packageId && price.metadata.tollgate_version === version);

beforeAll(async () => {
  ({ harness, key, environmentId, stripe } = await startStripeCatalogHarness(() => Date.now() + stripeClockAheadMs));
}, 120_000);
afterAll(async () => harness?.stop());

describe('migrateSubscriptionToLatest with Stripe', () => {
  it('IMMEDIATE swaps the Stripe items to the latest prices and charges the prorated difference at once; again is a no-op', async () => {
    const customerId = 'migration-billing-1';
    await api().post('/v1/customers').set('X-API-KEY', key).send({ customerId, subscriptionParams: null, billingInfo: { paymentMethodId: 'pm_card_visa' } }).expect(201);
    const provisioned = await api()
      .post('/v1/subscriptions')
      .set('X-API-KEY', key)
      .send({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY', addons: [{ addonId: 'addon-extra-projects', quantity: 2 }] })
      .expect(201);
    const subscription = provisioned.body.subscription as SubscriptionView;
    expect(subscription.planVersion).toBe(1);

    // Version 2 published (19.00 → 29.00, add-on 5.00 → 7.00) and synced to Stripe as new prices; 7 days and 12,345 s
    // into the period, so the proration is of a partial period.
    await api().put('/v1/catalog').set('X-API-KEY', key).send(secondVersionCatalog()).expect(200);
    await eventually(() => pricesAtStripe('plan-basic', '2').length > 0 && pricesAtStripe('addon-extra-projects', '2').length > 0, Boolean);
    stripeClockAheadMs += (7 * 86_400 + 12_345) * 1000;
    expect((await api().get(`/v1/subscriptions/${subscription.id}`).set('X-API-KEY', key).expect(200)).body.planVersion).toBe(1);

    const answer = (await api().post(`/v1/subscriptions/${subscription.id}/migrate`).set('X-API-KEY', key).send({ subscriptionMigrationTime: 'IMMEDIATE' }).expect(200)).body;
    expect(answer.migration).toBe('MIGRATED');
    const migrated = answer.subscription as SubscriptionView;
    expect(migrated.prices.map((price) => `${price.packageId}@${price.version}:${price.unitPrice.amount}×${price.quantity}`)).toEqual(['plan-basic@2:2900×1', 'addon-extra-projects@2:700×2']);

    // The Stripe subscription now bills exactly the version-2 prices.
    const atStripe = await stripe.subscriptions.retrieve(subscription.billingId);
    expect(atStripe.items.data.map((item) => [item.price.id, item.quantity]).sort()).toEqual(migrated.prices.map((price) => [price.billingId, price.quantity]).sort());

    // One proration invoice, charged at once: the old items credited and the new ones debited for the rest of the
    // period, each line rounded on its own. e.g. 2,061,255 s of a 2,678,400 s period left:
    //   plan   −round(1900 × r / p) = −1462, +round(2900 × r / p) = +2232
    //   add-on −round(500 × 2 × r / p) = −770, +round(700 × 2 × r / p) = +1077     total 1077 (the difference, ~10.00 + 2 × 2.00, for ~77 % of the month)
    const invoices = (await stripe.invoices.list({ subscription: subscription.billingId, limit: 100 })).data.filter((i) => i.billing_reason === 'subscription_update');
    expect(invoices).toHaveLength(1);
    const [invoice] = invoices;
    const item = atStripe.items.data[0]!;
    const periodSeconds = item.current_period_end - item.current_period_start;
    const remaining = item.current_period_end - invoice!.lines.data[0]!.period.start;
    expect(periodSeconds - remaining).toBeGreaterThanOrEqual(7 * 86_400 + 12_345);
    const lines = [-prorated(1900, 1, remaining, periodSeconds), -prorated(500, 2, remaining, periodSeconds), prorated(2900, 1, remaining, periodSeconds), prorated(700, 2, remaining, periodSeconds)];
    expect(invoice!.lines.data.map((line) => line.amount).sort((a, b) => a - b)).toEqual([...lines].sort((a, b) => a - b));
    const total = lines.reduce((sum, amount) => sum + amount, 0);
    expect(invoice).toMatchObject({ status: 'paid', total, amount_paid: total });
    expect(total).toBeGreaterThan(0);

    // Already on the latest: nothing sent to Stripe, nothing charged.
    const updatesBefore = harness.stripe!.requests.filter((r) => r.method === 'POST' && r.path === `/v1/subscriptions/${subscription.billingId}`).length;
    expect((await api().post(`/v1/subscriptions/${subscription.id}/migrate`).set('X-API-KEY', key).send({}).expect(200)).body.migration).toBe('ALREADY_LATEST');
    expect(harness.stripe!.requests.filter((r) => r.method === 'POST' && r.path === `/v1/subscriptions/${subscription.billingId}`)).toHaveLength(updatesBefore);
    expect((await stripe.invoices.list({ subscription: subscription.billingId, limit: 100 })).data.filter((i) => i.billing_reason === 'subscription_update')).toHaveLength(1);
    const history = (await api().get(`/v1/subscriptions/${subscription.id}/history`).set('X-API-KEY', key).expect(200)).body.entries as { transition: string }[];
    expect(history.filter((entry) => entry.transition === 'MIGRATED')).toHaveLength(1);
  });
});
