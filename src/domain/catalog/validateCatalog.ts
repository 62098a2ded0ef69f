import type { CatalogDocument, EntitlementDefinition, FeatureDefinition, PriceDefinition } from './catalogDocument';

export type CatalogIssue = { path: string; message: string };

// Rules a catalog must satisfy as a whole; any issue rejects the whole document.
export function validateCatalog(catalog: CatalogDocument): CatalogIssue[] {
  const issues: CatalogIssue[] = [];
  const report = (path: string, message: string) => issues.push({ path, message });

  const productIds = indexUnique(catalog.products, 'products', report);
  const features = indexUnique(catalog.features, 'features', report);
  const plans = indexUnique(catalog.plans, 'plans', report);
  const addons = indexUnique(catalog.addons, 'addons', report);
  indexUnique(catalog.coupons, 'coupons', report);
  indexUnique(catalog.meters, 'meters', report);

  catalog.addons.forEach((addon, index) => {
    if (plans.has(addon.id)) report(`addons[${index}].id`, `"${addon.id}" is already the id of a plan`);
  });

  catalog.features.forEach((feature, index) => {
    if (feature.featureType === 'BOOLEAN' && feature.meterType !== 'None') {
      report(`features[${index}].meterType`, 'a BOOLEAN feature cannot be metered');
    }
  });

  catalog.products.forEach((product, index) => {
    const journey = product.customerJourney;
    for (const key of ['initialPlanId', 'fallbackPlanId'] as const) {
      const planId = journey[key];
      if (planId === undefined) continue;
      const path = `products[${index}].customerJourney.${key}`;
      const plan = plans.get(planId)?.value;
      if (!plan) report(path, `unknown plan "${planId}"`);
      else if (plan.productId !== product.id) report(path, `plan "${planId}" belongs to product "${plan.productId}"`);
      else if (key === 'fallbackPlanId' && plan.pricingType !== 'FREE')
        report(path, 'the fallback plan must be FREE: a customer must never fall back onto a plan that charges them');
      else if (key === 'initialPlanId' && !(plan.pricingType === 'FREE' || (plan.pricingType === 'PAID' && plan.trial)))
        report(path, 'the initial plan must be FREE, or PAID with a trial: new customers have no payment method and no negotiated price yet');
    }
    (product.planOrder ?? []).forEach((planId, orderIndex) => {
      const path = `products[${index}].planOrder[${orderIndex}]`;
      const plan = plans.get(planId)?.value;
      if (!plan) report(path, `unknown plan "${planId}"`);
      else if (plan.productId !== product.id) report(path, `plan "${planId}" belongs to product "${plan.productId}"`);
    });
    findDuplicates(product.planOrder ?? []).forEach((i) => report(`products[${index}].planOrder[${i}]`, 'plan listed twice'));
  });

  const packageRules = (kind: 'plans' | 'addons', pkg: CatalogDocument['plans'][number] | CatalogDocument['addons'][number], index: number) => {
    const base = `${kind}[${index}]`;
    if (!productIds.has(pkg.productId)) report(`${base}.productId`, `unknown product "${pkg.productId}"`);
    validatePrices(pkg.pricingType, pkg.prices, features, `${base}.prices`, report);
    validateEntitlements(pkg.entitlements, features, `${base}.entitlements`, report);
  };
  catalog.plans.forEach((plan, index) => {
    packageRules('plans', plan, index);
    if (plan.trial && plan.pricingType !== 'PAID') report(`plans[${index}].trial`, 'only PAID plans can have a trial');
    // Stripe takes trials of at most 730 days; the schema bounds days, months are bounded here.
    if (plan.trial?.unit === 'MONTH' && plan.trial.duration > 24) report(`plans[${index}].trial.duration`, 'at most 24 months (730 days, the longest trial Stripe allows)');
    plan.compatibleAddonIds.forEach((addonId, addonIndex) => {
      const path = `plans[${index}].compatibleAddonIds[${addonIndex}]`;
      const addon = addons.get(addonId)?.value;
      if (!addon) report(path, `unknown add-on "${addonId}"`);
      else if (addon.productId !== plan.productId) report(path, `add-on "${addonId}" belongs to product "${addon.productId}"`);
    });
  });
  catalog.addons.forEach((addon, index) => packageRules('addons', addon, index));

  catalog.coupons.forEach((coupon, index) => {
    const base = `coupons[${index}]`;
    if (coupon.discountType === 'PERCENTAGE' && coupon.percentOff === undefined) report(`${base}.percentOff`, 'required for PERCENTAGE coupons');
    if (coupon.discountType === 'PERCENTAGE' && coupon.amountsOff) report(`${base}.amountsOff`, 'only FIXED coupons have amounts');
    if (coupon.discountType === 'FIXED' && !coupon.amountsOff?.length) report(`${base}.amountsOff`, 'required for FIXED coupons');
    if (coupon.discountType === 'FIXED' && coupon.percentOff !== undefined) report(`${base}.percentOff`, 'only PERCENTAGE coupons have a percentage');
    if (coupon.durationType === 'REPEATING' && coupon.durationInMonths === undefined)
      report(`${base}.durationInMonths`, 'required when durationType is REPEATING');
    if (coupon.durationType !== 'REPEATING' && coupon.durationInMonths !== undefined)
      report(`${base}.durationInMonths`, 'only REPEATING coupons have a duration');
    findDuplicates((coupon.amountsOff ?? []).map((amount) => amount.currency)).forEach((i) =>
      report(`${base}.amountsOff[${i}].currency`, 'currency listed twice'),
    );
  });

  catalog.meters.forEach((meter, index) => {
    const base = `meters[${index}]`;
    const feature = features.get(meter.featureId)?.value;
    if (!feature) report(`${base}.featureId`, `unknown feature "${meter.featureId}"`);
    else if (feature.meterType === 'None') report(`${base}.featureId`, `feature "${meter.featureId}" is not metered`);
    const needsField = meter.aggregation.function !== 'COUNT';
    if (needsField && !meter.aggregation.field) report(`${base}.aggregation.field`, `required for ${meter.aggregation.function}`);
    meter.filters.forEach((filter, filterIndex) => {
      const noValues = filter.operator === 'EXISTS' || filter.operator === 'NOT_EXISTS';
      if (noValues && filter.values.length > 0) report(`${base}.filters[${filterIndex}].values`, `${filter.operator} takes no values`);
      if (!noValues && filter.values.length === 0) report(`${base}.filters[${filterIndex}].values`, `${filter.operator} needs at least one value`);
    });
  });
  findDuplicates(catalog.meters.map((meter) => meter.featureId)).forEach((i) =>
    report(`meters[${i}].featureId`, 'a feature has at most one meter'),
  );

  return issues;
}

function validatePrices(
  pricingType: string,
  prices: PriceDefinition[],
  features: Map<string, { value: FeatureDefinition }>,
  base: string,
  report: (path: string, message: string) => void,
) {
  if (pricingType === 'PAID' && prices.length === 0) report(base, 'a PAID package needs at least one price');
  if (pricingType !== 'PAID' && prices.length > 0) report(base, `a ${pricingType} package has no prices`);
  const currencyByPeriod = new Map<string, string>();
  const seen = new Set<string>();
  prices.forEach((price, index) => {
    const path = `${base}[${index}]`;
    const slot = `${price.billingPeriod}:${price.featureId ?? '(flat)'}`;
    if (seen.has(slot)) report(path, `two prices for ${price.featureId ? `feature "${price.featureId}"` : 'the flat fee'} in ${price.billingPeriod}`);
    seen.add(slot);
    const currency = currencyByPeriod.get(price.billingPeriod);
    if (currency && currency !== price.currency) report(`${path}.currency`, `all ${price.billingPeriod} prices must share one currency (${currency})`);
    currencyByPeriod.set(price.billingPeriod, price.currency);

    const isFlat = price.billingModel === 'FLAT_FEE';
    if (isFlat && price.featureId) report(`${path}.featureId`, 'a FLAT_FEE price is not tied to a feature');
    if (!isFlat) {
      const feature = price.featureId ? features.get(price.featureId)?.value : undefined;
      if (!price.featureId) report(`${path}.featureId`, `required for ${price.billingModel} prices`);
      else if (!feature) report(`${path}.featureId`, `unknown feature "${price.featureId}"`);
      else if (feature.featureType !== 'NUMBER') report(`${path}.featureId`, `feature "${price.featureId}" is BOOLEAN and cannot be billed per unit`);
    }
    const tiered = price.billingModel === 'TIERED';
    validatePricePoint(price, tiered, path, report);
    if (!tiered && price.tiersMode) report(`${path}.tiersMode`, 'only TIERED prices have a tiers mode');
    findDuplicates((price.countryPrices ?? []).map((point) => point.countryCode)).forEach((i) =>
      report(`${path}.countryPrices[${i}].countryCode`, 'country listed twice'),
    );
    (price.countryPrices ?? []).forEach((point, i) => validatePricePoint(point, tiered, `${path}.countryPrices[${i}]`, report));
  });
}

function validatePricePoint(
  point: { amount?: number; tiers?: { upTo?: number }[] },
  tiered: boolean,
  path: string,
  report: (path: string, message: string) => void,
) {
  if (!tiered) {
    if (point.amount === undefined) report(`${path}.amount`, 'required');
    if (point.tiers) report(`${path}.tiers`, 'only TIERED prices have tiers');
    return;
  }
  if (point.amount !== undefined) report(`${path}.amount`, 'a TIERED price takes tiers, not an amount');
  if (!point.tiers) return report(`${path}.tiers`, 'required for TIERED prices');
  point.tiers.forEach((tier, i) => {
    const last = i === point.tiers!.length - 1;
    if (last && tier.upTo !== undefined) report(`${path}.tiers[${i}].upTo`, 'the last tier must be open-ended (no upTo)');
    if (!last && tier.upTo === undefined) report(`${path}.tiers[${i}].upTo`, 'required on every tier but the last');
    const previous = point.tiers![i - 1]?.upTo;
    if (tier.upTo !== undefined && previous !== undefined && tier.upTo <= previous)
      report(`${path}.tiers[${i}].upTo`, 'tiers must be in increasing order');
  });
}

function validateEntitlements(
  entitlements: EntitlementDefinition[],
  features: Map<string, { value: FeatureDefinition }>,
  base: string,
  report: (path: string, message: string) => void,
) {
  findDuplicates(entitlements.map((e) => e.featureId)).forEach((i) => report(`${base}[${i}].featureId`, 'feature listed twice'));
  entitlements.forEach((entitlement, index) => {
    const path = `${base}[${index}]`;
    const feature = features.get(entitlement.featureId)?.value;
    if (!feature) return report(`${path}.featureId`, `unknown feature "${entitlement.featureId}"`);
    const { value, usageLimit, unlimited, hasSoftLimit, resetPeriod } = entitlement;
    if (feature.featureType === 'BOOLEAN') {
      for (const [key, given] of Object.entries({ value, usageLimit, unlimited, hasSoftLimit, resetPeriod }))
        if (given !== undefined) report(`${path}.${key}`, `feature "${feature.id}" is BOOLEAN and takes no ${key}`);
      return;
    }
    if (feature.meterType === 'None') {
      if (usageLimit !== undefined || hasSoftLimit !== undefined || resetPeriod !== undefined)
        report(path, `feature "${feature.id}" is a NUMBER configuration: give value or unlimited, not usage limits`);
      if ((value === undefined) === !unlimited) report(`${path}.value`, 'give exactly one of value or unlimited: true');
      return;
    }
    if (value !== undefined) report(`${path}.value`, `feature "${feature.id}" is metered: use usageLimit`);
    if ((usageLimit === undefined) === !unlimited) report(`${path}.usageLimit`, 'give exactly one of usageLimit or unlimited: true');
    if (resetPeriod && feature.meterType === 'Fluctuating')
      report(`${path}.resetPeriod`, `feature "${feature.id}" is Fluctuating (a level such as seats) and never resets`);
  });
}

function indexUnique<T extends { id: string }>(items: T[], base: string, report: (path: string, message: string) => void) {
  const byId = new Map<string, { value: T; index: number }>();
  items.forEach((item, index) => {
    if (byId.has(item.id)) report(`${base}[${index}].id`, `duplicate id "${item.id}"`);
    else byId.set(item.id, { value: item, index });
  });
  return byId;
}

function findDuplicates(values: string[]): number[] {
  const seen = new Set<string>();
  return values.flatMap((value, index) => (seen.has(value) ? [index] : (seen.add(value), [])));
}
