import { describe, expect, it } from 'vitest';
import { shapePaywall, type PaywallCatalog, type PaywallCustomerState, type PlanContent, type PublishedPackage } from '../../src/domain/paywall/shapePaywall';
import { storedPrices } from '../support/storedPrices';

const plan = (id: string, content: Partial<PlanContent> = {}): PublishedPackage<PlanContent> => {
  const full: PlanContent = { productId: 'product-crm', displayName: id, pricingType: 'FREE', prices: [], entitlements: [], compatibleAddonIds: [], ...content };
  return { id, version: 1, content: full, prices: storedPrices({ id, prices: full.prices }) };
};
const catalog = (plans: PublishedPackage<PlanContent>[], planOrder: string[] = []): PaywallCatalog => ({ productId: 'product-crm', planOrder, plans, addons: new Map(), features: new Map() });
const subscription = (planId: string, slot: 'PAID' | 'TRIAL' | 'CHECKOUT' | 'SCHEDULED', status: 'ACTIVE' | 'IN_TRIAL' | 'PAYMENT_PENDING' | 'NOT_STARTED') => ({
  subscriptionId: `sub-${planId}`, planId, planVersion: 1, status, billingPeriod: 'MONTHLY' as const, slot,
});
const customer = (...subscriptions: PaywallCustomerState['subscriptions']): PaywallCustomerState => ({ customerId: 'c1', resourceId: null, subscriptions });

describe('paywall shaping', () => {
  it('leaves out a billing period whose prices would mix currencies in the billing country (provisioning refuses it there)', () => {
    const seats = plan('plan-seats', {
      pricingType: 'PAID',
      prices: [
        // In Denmark the flat monthly fee is in dkk but the per-seat price is not localized: one Stripe subscription cannot bill both.
        { billingPeriod: 'MONTHLY', billingModel: 'FLAT_FEE', currency: 'usd', amount: 1000, countryPrices: [{ countryCode: 'DK', currency: 'dkk', amount: 7500 }] },
        { billingPeriod: 'MONTHLY', billingModel: 'PER_UNIT', featureId: 'feature-seats', currency: 'usd', amount: 300 },
        { billingPeriod: 'ANNUALLY', billingModel: 'FLAT_FEE', currency: 'usd', amount: 10000 },
      ],
    });
    const inDenmark = shapePaywall(catalog([seats]), 'DK', null).plans[0]!.prices;
    expect(inDenmark.map((price) => [price.billingPeriod, price.currency, price.amount])).toEqual([['ANNUALLY', 'usd', 10000]]);
    const byDefault = shapePaywall(catalog([seats]), null, null).plans[0]!.prices;
    expect(byDefault.map((price) => [price.billingPeriod, price.featureId, price.amount])).toEqual([
      ['MONTHLY', null, 1000],
      ['MONTHLY', 'feature-seats', 300],
      ['ANNUALLY', null, 10000],
    ]);
  });

  it('takes the paid subscription as the current plan over a trial beside it, and never a waiting checkout or scheduled start', () => {
    const plans = catalog([plan('plan-free'), plan('plan-basic'), plan('plan-pro')], ['plan-free', 'plan-basic', 'plan-pro']);
    const beside = shapePaywall(plans, null, customer(subscription('plan-pro', 'TRIAL', 'IN_TRIAL'), subscription('plan-basic', 'PAID', 'ACTIVE')));
    expect(beside.customer?.currentPlanId).toBe('plan-basic');
    expect(beside.plans.map((p) => [p.id, p.isCurrentPlan, p.isUpgrade])).toEqual([
      ['plan-free', false, false],
      ['plan-basic', true, false],
      ['plan-pro', false, true],
    ]);
    const waiting = shapePaywall(plans, null, customer(subscription('plan-pro', 'CHECKOUT', 'PAYMENT_PENDING'), subscription('plan-basic', 'SCHEDULED', 'NOT_STARTED')));
    expect(waiting.customer?.currentPlanId).toBeNull();
    expect(waiting.customer?.subscriptions.map((s) => s.status)).toEqual(['PAYMENT_PENDING', 'NOT_STARTED']);
    expect(waiting.plans.some((p) => p.isCurrentPlan || p.isUpgrade)).toBe(false);
  });

  it('without a customer, says nothing about current plans or upgrades', () => {
    const answer = shapePaywall(catalog([plan('plan-b'), plan('plan-a')]), null, null);
    expect(answer.customer).toBeNull();
    expect(answer.plans.map((p) => [p.id, 'isCurrentPlan' in p, 'isUpgrade' in p])).toEqual([
      ['plan-a', false, false],
      ['plan-b', false, false],
    ]);
  });
});
