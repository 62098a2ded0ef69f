import { describe, expect, it } from 'vitest';
import { slimSubscriptionSchema, subscriptionSchema } from '../../src/domain/subscriptions/subscription';
import { toSlimSubscription, toSubscriptionView, type SubscriptionRecord } from '../../src/domain/subscriptions/toSubscriptionView';
import type { ChosenPrice } from '../../src/domain/subscriptions/chosenPrice';

const flatFee: ChosenPrice = {
  packageId: 'plan-pro', packageKind: 'PLAN', version: 2, featureId: null, billingModel: 'FLAT_FEE', billingPeriod: 'ANNUALLY',
  countryCode: null, currency: 'usd', amount: 49000, tiersMode: null, tiers: null, quantity: 1, billingId: 'price_flat',
};
const tieredSeats: ChosenPrice = {
  ...flatFee, featureId: 'feature-seats', billingModel: 'TIERED', amount: null, tiersMode: 'GRADUATED',
  tiers: [{ upTo: 10, unitAmount: 12000 }, { unitAmount: 9600 }], quantity: 12, billingId: null,
};

function record(change: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
  return {
    id: 'sub-1', customer_id: 'customer-1', product_id: 'product-app', resource_id: null, plan_id: 'plan-pro', plan_version: 2,
    pricing_type: 'PAID', status: 'PAYMENT_PENDING', live_slot: 'CHECKOUT', billing_period: 'ANNUALLY', billing_country_code: 'DK',
    currency: 'usd', billable_features: [{ featureId: 'feature-seats', quantity: 12 }],
    addons: [{ addonId: 'addon-extra-projects', quantity: 2, version: 1 }], prices: [flatFee, tieredSeats],
    start_date: new Date('2026-03-10T12:00:00Z'), trial_end_date: null, current_billing_period_start: null,
    current_billing_period_end: null, cancellation_date: null, end_date: null, end_reason: null, promotion_code: 'LAUNCH',
    coupon_id: 'coupon-launch', billing_id: null, checkout_url: 'https://checkout.example/cs_1',
    checkout_expires_at: new Date('2026-03-11T12:00:00Z'), metadata: { team: 'a' },
    created_at: new Date('2026-03-10T12:00:00Z'), updated_at: new Date('2026-03-10T12:00:01Z'),
    ...change,
  };
}

describe('toSubscriptionView', () => {
  it('answers the documented subscription shape, dates as ISO text, prices with their unit price', () => {
    const view = toSubscriptionView(record());
    expect(subscriptionSchema.strict().parse(view)).toEqual(view);
    expect(view).toMatchObject({ resource: null, resourceId: null, planVersion: 2, startDate: '2026-03-10T12:00:00.000Z', trialEndDate: null, billingCountryCode: 'DK' });
    expect(view.prices[0]).toMatchObject({ packageType: 'PLAN', unitPrice: { amount: 49000, currency: 'usd' }, quantity: 1, billingId: 'price_flat' });
    expect(view.prices[1]).toMatchObject({ unitPrice: null, tiersMode: 'GRADUATED', tiers: tieredSeats.tiers, quantity: 12 });
  });

  it('shows the checkout link only while the subscription waits for it', () => {
    expect(toSubscriptionView(record())).toMatchObject({ checkoutUrl: 'https://checkout.example/cs_1', checkoutExpiresAt: '2026-03-11T12:00:00.000Z' });
    const paid = toSubscriptionView(record({ status: 'ACTIVE', live_slot: 'PAID', billing_id: 'sub_123' }));
    expect(paid).toMatchObject({ checkoutUrl: null, checkoutExpiresAt: null, billingId: 'sub_123' });
    const expired = toSubscriptionView(record({ status: 'EXPIRED', live_slot: null, end_date: new Date('2026-03-11T12:00:00Z'), end_reason: 'CHECKOUT_EXPIRED' }));
    expect(expired).toMatchObject({ checkoutUrl: null, endDate: '2026-03-11T12:00:00.000Z', endReason: 'CHECKOUT_EXPIRED' });
  });

  it('names the resource of a multi-subscription product', () => {
    expect(toSubscriptionView(record({ resource_id: 'site-1' }))).toMatchObject({ resource: { id: 'site-1' }, resourceId: 'site-1' });
  });

  it('slims to exactly the seed\'s active-list fields', () => {
    const slim = toSlimSubscription(toSubscriptionView(record({ status: 'IN_TRIAL', live_slot: 'TRIAL', trial_end_date: new Date('2026-03-24T12:00:00Z') })));
    expect(slimSubscriptionSchema.strict().parse(slim)).toEqual(slim);
    expect(slim).toMatchObject({ id: 'sub-1', status: 'IN_TRIAL', trialEndDate: '2026-03-24T12:00:00.000Z', addons: [{ addonId: 'addon-extra-projects', quantity: 2, version: 1 }] });
  });
});
