import type { PackageView } from '../catalog/packageView';
import type { SubscriptionParams } from './customerInput';

export type CatalogReference = { field: string; message: string; code: 'UNKNOWN_REFERENCE' | 'INVALID_INPUT' };

// Checks that requested plan, add-ons and billable features exist and fit together; the first problem names its field.
export function checkSubscriptionParams(
  params: SubscriptionParams,
  catalog: { packages: Map<string, PackageView>; featureIds: Set<string> },
  base = 'subscriptionParams',
): CatalogReference | null {
  const plan = catalog.packages.get(params.planId);
  if (!plan || plan.kind !== 'PLAN') return { field: `${base}.planId`, message: `unknown plan "${params.planId}"`, code: 'UNKNOWN_REFERENCE' };
  if (plan.status !== 'PUBLISHED') return { field: `${base}.planId`, message: `plan "${params.planId}" is not published`, code: 'INVALID_INPUT' };

  if (params.billingPeriod && plan.pricingType === 'PAID' && !plan.prices.some((price) => price.billingPeriod === params.billingPeriod)) {
    return { field: `${base}.billingPeriod`, message: `plan "${plan.id}" has no ${params.billingPeriod} price`, code: 'INVALID_INPUT' };
  }
  for (const [index, billable] of (params.billableFeatures ?? []).entries()) {
    const field = `${base}.billableFeatures[${index}].featureId`;
    if (!catalog.featureIds.has(billable.featureId)) return { field, message: `unknown feature "${billable.featureId}"`, code: 'UNKNOWN_REFERENCE' };
    if (!plan.prices.some((price) => price.featureId === billable.featureId)) {
      return { field, message: `plan "${plan.id}" does not bill feature "${billable.featureId}" per unit`, code: 'INVALID_INPUT' };
    }
  }
  for (const [index, requested] of (params.addons ?? []).entries()) {
    const field = `${base}.addons[${index}].addonId`;
    const addon = catalog.packages.get(requested.addonId);
    if (!addon || addon.kind !== 'ADDON') return { field, message: `unknown add-on "${requested.addonId}"`, code: 'UNKNOWN_REFERENCE' };
    if (!plan.compatibleAddonIds.includes(addon.id)) {
      return { field, message: `add-on "${addon.id}" is not compatible with plan "${plan.id}"`, code: 'INVALID_INPUT' };
    }
    if (addon.maxQuantity !== undefined && requested.quantity > addon.maxQuantity) {
      return { field: `${base}.addons[${index}].quantity`, message: `at most ${addon.maxQuantity} of add-on "${addon.id}"`, code: 'INVALID_INPUT' };
    }
  }
  return null;
}
