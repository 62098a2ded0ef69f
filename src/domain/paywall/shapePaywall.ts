import type { AddonDefinition, BillingPeriod, EntitlementDefinition, FeatureDefinition, PlanDefinition } from '../catalog/catalogDocument';
import { BILLING_PERIODS } from '../catalog/catalogDocument';
import { choosePrices } from '../subscriptions/choosePrices';
import type { StoredPrice } from '../subscriptions/chosenPrice';
import type { LiveSlot } from '../subscriptions/subscription';
import type { Paywall, PaywallAddon, PaywallEntitlement, PaywallPlan, PaywallPrice, PaywallSubscription } from './paywallView';

// A plan or add-on at its latest published version, with that version's stored price rows.
export type PublishedPackage<Content> = { id: string; version: number; content: Content; prices: StoredPrice[] };
export type PlanContent = Omit<PlanDefinition, 'id' | 'status'>;
export type AddonContent = Omit<AddonDefinition, 'id' | 'status'>;

export type PaywallCatalog = {
  productId: string;
  // The product's plans, lowest tier first (catalog `planOrder`); plans it leaves out are neither upgrades nor downgrades.
  planOrder: readonly string[];
  plans: readonly PublishedPackage<PlanContent>[];
  addons: ReadonlyMap<string, PublishedPackage<AddonContent>>;
  features: ReadonlyMap<string, FeatureDefinition>;
};

export type PaywallCustomerState = {
  customerId: string;
  resourceId: string | null;
  // Its live subscriptions on the product (and resource), oldest first.
  subscriptions: readonly (PaywallSubscription & { slot: LiveSlot })[];
};

// The paywall of one product: pure shaping of what the repository read.
export function shapePaywall(catalog: PaywallCatalog, billingCountryCode: string | null, customer: PaywallCustomerState | null): Paywall {
  const rank = new Map(catalog.planOrder.map((planId, index) => [planId, index]));
  const currentPlanId = customer ? currentPlanOf(customer.subscriptions) : null;
  const currentRank = currentPlanId === null ? undefined : rank.get(currentPlanId);
  const plans = [...catalog.plans].sort((left, right) => compareRanked(rank, left.id, right.id));
  return {
    productId: catalog.productId,
    billingCountryCode,
    plans: plans.map((plan): PaywallPlan => {
      const planRank = rank.get(plan.id);
      const { content } = plan;
      return {
        ...packageFields(plan, billingCountryCode, catalog.features),
        pricingType: content.pricingType,
        ...(content.trial && { trial: content.trial }),
        compatibleAddons: content.compatibleAddonIds.flatMap((addonId) => {
          const addon = catalog.addons.get(addonId);
          return addon ? [addonView(addon, billingCountryCode, catalog.features)] : [];
        }),
        ...(customer && {
          isCurrentPlan: plan.id === currentPlanId,
          isUpgrade: currentRank !== undefined && planRank !== undefined && planRank > currentRank,
        }),
      };
    }),
    customer: customer && {
      customerId: customer.customerId,
      resourceId: customer.resourceId,
      currentPlanId,
      subscriptions: customer.subscriptions.map(({ slot: _slot, ...subscription }) => subscription),
    },
  };
}

// The plan the customer is on: their paid subscription's, else their trial's (a waiting checkout or a scheduled start
// is not on a plan yet).
function currentPlanOf(subscriptions: PaywallCustomerState['subscriptions']): string | null {
  return (subscriptions.find((s) => s.slot === 'PAID') ?? subscriptions.find((s) => s.slot === 'TRIAL'))?.planId ?? null;
}

// Ranked plans first in their order, then the others by id.
function compareRanked(rank: ReadonlyMap<string, number>, left: string, right: string): number {
  const leftRank = rank.get(left) ?? Number.POSITIVE_INFINITY;
  const rightRank = rank.get(right) ?? Number.POSITIVE_INFINITY;
  if (leftRank !== rightRank) return leftRank < rightRank ? -1 : 1;
  return left < right ? -1 : left > right ? 1 : 0;
}

function addonView(addon: PublishedPackage<AddonContent>, billingCountryCode: string | null, features: PaywallCatalog['features']): PaywallAddon {
  return {
    ...packageFields(addon, billingCountryCode, features),
    pricingType: addon.content.pricingType,
    ...(addon.content.maxQuantity !== undefined && { maxQuantity: addon.content.maxQuantity }),
  };
}

function packageFields(pkg: PublishedPackage<PlanContent | AddonContent>, billingCountryCode: string | null, features: PaywallCatalog['features']) {
  return {
    id: pkg.id,
    version: pkg.version,
    displayName: pkg.content.displayName,
    ...(pkg.content.description !== undefined && { description: pkg.content.description }),
    prices: localizedPrices(pkg, billingCountryCode),
    entitlements: pkg.content.entitlements.map((entitlement) => entitlementView(entitlement, features.get(entitlement.featureId))),
  };
}

// Each billing period's prices chosen as provisioning chooses them; a period whose prices would mix currencies in
// this country cannot be provisioned there, so it is not offered.
function localizedPrices(pkg: PublishedPackage<PlanContent | AddonContent>, billingCountryCode: string | null): PaywallPrice[] {
  const kind = 'compatibleAddonIds' in pkg.content ? 'PLAN' : 'ADDON';
  const priced = { packageId: pkg.id, packageKind: kind, version: pkg.version, prices: pkg.prices, quantityOf: () => 1 } as const;
  return BILLING_PERIODS.flatMap((billingPeriod: BillingPeriod) => {
    const choice = choosePrices([priced], billingPeriod, billingCountryCode);
    if ('problem' in choice) return [];
    return choice.prices.map((price): PaywallPrice => ({
      billingPeriod: price.billingPeriod,
      billingModel: price.billingModel,
      featureId: price.featureId,
      currency: price.currency,
      amount: price.amount,
      tiersMode: price.tiersMode,
      tiers: price.tiers,
      countryCode: price.countryCode,
    }));
  });
}

function entitlementView(entitlement: EntitlementDefinition, feature: FeatureDefinition | undefined): PaywallEntitlement {
  if (!feature) return entitlement;
  const { displayName, description, featureType, unit, unitPlural } = feature;
  const defined = Object.entries({ description, unit, unitPlural }).filter(([, value]) => value !== undefined);
  return { ...entitlement, feature: { displayName, featureType, ...Object.fromEntries(defined) } };
}
