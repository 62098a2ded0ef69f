import type { BillingPeriod } from '../catalog/catalogDocument';
import type { AddonView, PackageView, PlanView } from '../catalog/packageView';
import type { SubscriptionParams } from '../customers/customerInput';

export type RequestProblem = { status: 400 | 404; code: 'INVALID_INPUT' | 'UNKNOWN_REFERENCE'; field: string; message: string };

export type ResolvedSubscriptionRequest = {
  plan: PlanView;
  productId: string;
  resourceId: string | null;
  billingPeriod: BillingPeriod | null;
  billableFeatures: { featureId: string; quantity: number }[];
  addons: { addon: AddonView; quantity: number }[];
};

export type SubscriptionCatalog = {
  packages: ReadonlyMap<string, PackageView>;
  featureIds: ReadonlySet<string>;
  products: ReadonlyMap<string, { multipleSubscriptions: boolean }>;
};

const bills = (pkg: PackageView, period: BillingPeriod) => pkg.prices.filter((price) => price.billingPeriod === period);

// Checks a subscription request against the catalog (the seed's required fields, add-on compatibility and
// limits, resource rules) and resolves it; the first problem names its field, under `base`.
export function resolveSubscriptionRequest(params: SubscriptionParams, catalog: SubscriptionCatalog, base = ''): { problem: RequestProblem } | { request: ResolvedSubscriptionRequest } {
  const at = (field: string) => (base ? `${base}.${field}` : field);
  const invalid = (field: string, message: string) => ({ problem: { status: 400, code: 'INVALID_INPUT', field: at(field), message } as RequestProblem });
  const unknown = (field: string, message: string) => ({ problem: { status: 404, code: 'UNKNOWN_REFERENCE', field: at(field), message } as RequestProblem });

  const plan = catalog.packages.get(params.planId);
  if (!plan || plan.kind !== 'PLAN') return unknown('planId', `unknown plan "${params.planId}"`);
  if (plan.status !== 'PUBLISHED') return invalid('planId', `plan "${plan.id}" is not published`);
  const product = catalog.products.get(plan.productId);
  if (!product) return unknown('planId', `plan "${plan.id}" belongs to product "${plan.productId}", which is archived`);
  if (product.multipleSubscriptions && params.resourceId === undefined) {
    return invalid('resourceId', `product "${plan.productId}" allows several subscriptions per customer: resourceId is required`);
  }
  if (!product.multipleSubscriptions && params.resourceId !== undefined) {
    return invalid('resourceId', `product "${plan.productId}" allows one subscription per customer: resourceId is not accepted`);
  }

  const paid = plan.pricingType === 'PAID';
  if (paid && !params.billingPeriod) return invalid('billingPeriod', `plan "${plan.id}" is paid: billingPeriod is required (${[...new Set(plan.prices.map((p) => p.billingPeriod))].join(' or ')})`);
  const billingPeriod = paid ? params.billingPeriod! : (params.billingPeriod ?? null);
  if (paid && bills(plan, billingPeriod!).length === 0) return invalid('billingPeriod', `plan "${plan.id}" has no ${billingPeriod} price`);

  // Quantities of the plan's per-unit features: from billableFeatures, or unitQuantity when the plan has one.
  const perUnit = paid ? [...new Set(bills(plan, billingPeriod!).flatMap((price) => (price.featureId ? [price.featureId] : [])))] : [];
  const billableFeatures: { featureId: string; quantity: number }[] = [];
  for (const [index, billable] of (params.billableFeatures ?? []).entries()) {
    const field = `billableFeatures[${index}].featureId`;
    if (!catalog.featureIds.has(billable.featureId)) return unknown(field, `unknown feature "${billable.featureId}"`);
    if (!perUnit.includes(billable.featureId)) return invalid(field, `plan "${plan.id}" does not bill feature "${billable.featureId}" per unit`);
    if (billableFeatures.some((b) => b.featureId === billable.featureId)) return invalid(field, `feature "${billable.featureId}" is listed twice`);
    billableFeatures.push({ featureId: billable.featureId, quantity: billable.quantity });
  }
  if (params.unitQuantity !== undefined) {
    if (perUnit.length !== 1) return invalid('unitQuantity', `plan "${plan.id}" bills ${perUnit.length} features per unit: use billableFeatures`);
    if (billableFeatures.length > 0) return invalid('unitQuantity', 'give either unitQuantity or billableFeatures, not both');
    billableFeatures.push({ featureId: perUnit[0]!, quantity: params.unitQuantity });
  }
  const missing = perUnit.find((featureId) => !billableFeatures.some((b) => b.featureId === featureId));
  if (missing) return invalid('billableFeatures', `plan "${plan.id}" bills feature "${missing}" per unit: its quantity is required`);

  const addons: { addon: AddonView; quantity: number }[] = [];
  for (const [index, requested] of (params.addons ?? []).entries()) {
    const field = `addons[${index}]`;
    const addon = catalog.packages.get(requested.addonId);
    if (!addon || addon.kind !== 'ADDON') return unknown(`${field}.addonId`, `unknown add-on "${requested.addonId}"`);
    if (addon.status !== 'PUBLISHED') return invalid(`${field}.addonId`, `add-on "${addon.id}" is not published`);
    if (!plan.compatibleAddonIds.includes(addon.id)) return invalid(`${field}.addonId`, `add-on "${addon.id}" is not compatible with plan "${plan.id}"`);
    if (addons.some((a) => a.addon.id === addon.id)) return invalid(`${field}.addonId`, `add-on "${addon.id}" is listed twice`);
    if (addon.maxQuantity !== undefined && requested.quantity > addon.maxQuantity) return invalid(`${field}.quantity`, `at most ${addon.maxQuantity} of add-on "${addon.id}"`);
    if (addon.pricingType === 'PAID' && paid && bills(addon, billingPeriod!).length === 0) return invalid(`${field}.addonId`, `add-on "${addon.id}" has no ${billingPeriod} price`);
    if (addon.pricingType === 'PAID' && !paid) return invalid(`${field}.addonId`, `add-on "${addon.id}" is paid and plan "${plan.id}" is not`);
    addons.push({ addon, quantity: requested.quantity });
  }

  return { request: { plan, productId: plan.productId, resourceId: params.resourceId ?? null, billingPeriod, billableFeatures, addons } };
}
