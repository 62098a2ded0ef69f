import type { PlanView } from '../catalog/packageView';
import type { SubscriptionRequest } from './subscriptionRequest.types';

export type SubscriptionDecisionStrategy = 'REQUESTED_PLAN' | 'PREDEFINED_FREE_PLAN' | 'PREDEFINED_TRIAL_PLAN' | 'SKIPPED_SUBSCRIPTION_CREATION';

// A new customer's starting subscriptions when the request names none: each product's customer-journey initial plan
// (free, or paid with a trial, as the catalog allows), monthly when it can, one of each per-unit feature. Products
// with several subscriptions per customer are skipped: their subscriptions need a resourceId.
export function journeySubscriptions(
  products: { id: string; initialPlanId: string | null; multipleSubscriptions: boolean }[],
  plans: ReadonlyMap<string, PlanView>,
): { requests: SubscriptionRequest[]; strategy: SubscriptionDecisionStrategy } {
  const requests: SubscriptionRequest[] = [];
  let strategy: SubscriptionDecisionStrategy = 'SKIPPED_SUBSCRIPTION_CREATION';
  for (const product of [...products].sort((a, b) => a.id.localeCompare(b.id))) {
    const plan = product.initialPlanId ? plans.get(product.initialPlanId) : undefined;
    if (!plan || product.multipleSubscriptions || plan.status !== 'PUBLISHED') continue;
    if (plan.pricingType !== 'PAID') {
      requests.push({ planId: plan.id });
      if (strategy === 'SKIPPED_SUBSCRIPTION_CREATION') strategy = 'PREDEFINED_FREE_PLAN';
      continue;
    }
    const billingPeriod = plan.prices.some((price) => price.billingPeriod === 'MONTHLY') ? 'MONTHLY' : 'ANNUALLY';
    const perUnit = [...new Set(plan.prices.filter((p) => p.billingPeriod === billingPeriod && p.featureId).map((p) => p.featureId!))];
    requests.push({ planId: plan.id, billingPeriod, ...(perUnit.length > 0 && { billableFeatures: perUnit.map((featureId) => ({ featureId, quantity: 1 })) }) });
    if (strategy === 'SKIPPED_SUBSCRIPTION_CREATION') strategy = 'PREDEFINED_TRIAL_PLAN';
  }
  return { requests, strategy };
}
