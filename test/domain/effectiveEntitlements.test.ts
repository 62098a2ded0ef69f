import { describe, expect, it } from 'vitest';
import { effectiveEntitlements, subscriptionEntitlements, type SubscriptionGrants } from '../../src/domain/entitlements/effectiveEntitlements';
import { exampleCatalog } from '../support/exampleCatalog';

const catalog = exampleCatalog();
const plan = (id: string) => catalog.plans.find((p) => p.id === id)!.entitlements;
const addon = (id: string) => catalog.addons.find((a) => a.id === id)!.entitlements;
const grants = (subscriptionId: string, planId: string, extra: Partial<SubscriptionGrants> = {}): SubscriptionGrants => ({
  subscriptionId,
  plan: plan(planId),
  addons: [],
  billableFeatures: [],
  ...extra,
});
const summary = (map: ReturnType<typeof effectiveEntitlements>) =>
  Object.fromEntries([...map.values()].map((e) => [e.featureId, { amount: e.amount, unlimited: e.unlimited, soft: e.hasSoftLimit, reset: e.resetPeriod, by: e.grantedBy }]));

describe('the entitlements one subscription grants', () => {
  it('takes the plan version\'s entitlements as they are', () => {
    expect(summary(subscriptionEntitlements(grants('s1', 'plan-basic')))).toEqual({
      'feature-seats': { amount: 5, unlimited: false, soft: false, reset: null, by: ['s1'] },
      'feature-projects': { amount: 20, unlimited: false, soft: false, reset: null, by: ['s1'] },
      'feature-api-calls': { amount: 50_000, unlimited: false, soft: false, reset: 'MONTH', by: ['s1'] },
    });
  });

  it('adds each add-on times its quantity to the plan\'s amount', () => {
    const withAddons = subscriptionEntitlements(grants('s1', 'plan-basic', { addons: [{ entitlements: addon('addon-extra-projects'), quantity: 3 }] }));
    expect(withAddons.get('feature-projects')!.amount).toBe(20 + 10 * 3);
  });

  it('grants the quantity bought per unit (a seat price of quantity N grants N seats)', () => {
    const pro = subscriptionEntitlements(grants('s1', 'plan-pro', { billableFeatures: [{ featureId: 'feature-seats', quantity: 7 }] }));
    expect(pro.get('feature-seats')).toMatchObject({ amount: 7, unlimited: false });
    // An unlimited plan entitlement stays unlimited whatever the quantity.
    const unlimited = subscriptionEntitlements(grants('s1', 'plan-pro', { billableFeatures: [{ featureId: 'feature-projects', quantity: 2 }] }));
    expect(unlimited.get('feature-projects')).toMatchObject({ unlimited: true });
  });

  it('keeps boolean features as presence, and an add-on can bring a feature the plan lacks', () => {
    const pro = subscriptionEntitlements(grants('s1', 'plan-pro'));
    expect(pro.get('feature-sso')).toMatchObject({ amount: null, unlimited: false });
    const free = subscriptionEntitlements(grants('s1', 'plan-free', { addons: [{ entitlements: [{ featureId: 'feature-sso' }], quantity: 1 }] }));
    expect(free.get('feature-sso')).toMatchObject({ amount: null });
  });
});

describe('the most generous entitlement across a customer\'s live subscriptions', () => {
  it('a trial of a higher plan beside a paid plan grants the better of each feature', () => {
    const effective = effectiveEntitlements([grants('paid', 'plan-basic'), grants('trial', 'plan-pro', { billableFeatures: [{ featureId: 'feature-seats', quantity: 2 }] })]);
    expect(summary(effective)).toEqual({
      // Basic's five seats beat the trial's two.
      'feature-seats': { amount: 5, unlimited: false, soft: false, reset: null, by: ['paid'] },
      'feature-projects': { amount: null, unlimited: true, soft: false, reset: null, by: ['trial'] },
      'feature-api-calls': { amount: 500_000, unlimited: false, soft: true, reset: 'MONTH', by: ['trial'] },
      'feature-sso': { amount: null, unlimited: false, soft: false, reset: null, by: ['trial'] },
      'feature-analytics': { amount: null, unlimited: false, soft: false, reset: null, by: ['trial'] },
    });
  });

  it('at equal amounts a soft limit wins (it keeps access), and equal grants name every subscription', () => {
    const hard = grants('hard', 'plan-free');
    const soft: SubscriptionGrants = { ...grants('soft', 'plan-free'), plan: [{ featureId: 'feature-api-calls', usageLimit: 1000, hasSoftLimit: true, resetPeriod: 'MONTH' }] };
    expect(effectiveEntitlements([hard, soft]).get('feature-api-calls')).toMatchObject({ amount: 1000, hasSoftLimit: true, grantedBy: ['soft'] });
    expect(effectiveEntitlements([grants('a', 'plan-free'), grants('b', 'plan-free')]).get('feature-projects')!.grantedBy).toEqual(['a', 'b']);
  });

  it('no live subscription grants nothing', () => {
    expect(effectiveEntitlements([]).size).toBe(0);
  });
});
