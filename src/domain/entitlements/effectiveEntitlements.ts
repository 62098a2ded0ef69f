import type { EntitlementDefinition } from '../catalog/catalogDocument';
import type { ResetPeriod } from '../usage/usagePeriod';

// What one live subscription contributes: its plan version's entitlements, its add-ons' (each × its quantity) and
// its per-unit quantities ("a seat price of quantity N grants N seats").
export type SubscriptionGrants = {
  subscriptionId: string;
  plan: EntitlementDefinition[];
  addons: { entitlements: EntitlementDefinition[]; quantity: number }[];
  billableFeatures: { featureId: string; quantity: number }[];
};

// A customer's entitlement to one feature. `amount` is the numeric value or the usage limit (null for a boolean
// feature, whose entitlement is its presence); `unlimited` beats any amount.
export type EffectiveEntitlement = {
  featureId: string;
  amount: number | null;
  unlimited: boolean;
  hasSoftLimit: boolean;
  resetPeriod: ResetPeriod | null;
  // The subscriptions that grant the winning value.
  grantedBy: string[];
};

// An effective entitlement as stored and published: a reset period counts from the winning subscription's start.
export type EntitlementGrant = Omit<EffectiveEntitlement, 'grantedBy'> & { grantedBy: string[]; usagePeriodAnchor: string | null };

const fromDefinition = (subscriptionId: string, definition: EntitlementDefinition, times = 1): EffectiveEntitlement => ({
  featureId: definition.featureId,
  amount: definition.value !== undefined ? definition.value * times : definition.usageLimit !== undefined ? definition.usageLimit * times : null,
  unlimited: definition.unlimited ?? false,
  hasSoftLimit: definition.hasSoftLimit ?? false,
  resetPeriod: definition.resetPeriod ?? null,
  grantedBy: [subscriptionId],
});

// Within one subscription amounts add up: the plan's (or the quantity bought per unit, which replaces it), plus
// each add-on's times its quantity. A limit's reset period and softness come from the plan, else an add-on.
export function subscriptionEntitlements(grants: SubscriptionGrants): Map<string, EffectiveEntitlement> {
  const byFeature = new Map<string, EffectiveEntitlement>();
  for (const definition of grants.plan) byFeature.set(definition.featureId, fromDefinition(grants.subscriptionId, definition));
  for (const { featureId, quantity } of grants.billableFeatures) {
    const planned = byFeature.get(featureId);
    if (planned?.unlimited) continue;
    byFeature.set(featureId, { ...(planned ?? { featureId, unlimited: false, hasSoftLimit: false, resetPeriod: null, grantedBy: [grants.subscriptionId] }), amount: quantity });
  }
  for (const addon of grants.addons) {
    for (const definition of addon.entitlements) {
      const extra = fromDefinition(grants.subscriptionId, definition, addon.quantity);
      const current = byFeature.get(definition.featureId);
      if (!current) {
        byFeature.set(definition.featureId, extra);
        continue;
      }
      byFeature.set(definition.featureId, {
        ...current,
        unlimited: current.unlimited || extra.unlimited,
        amount: current.amount === null && extra.amount === null ? null : (current.amount ?? 0) + (extra.amount ?? 0),
        resetPeriod: current.resetPeriod ?? extra.resetPeriod,
      });
    }
  }
  return byFeature;
}

// Across a customer's live subscriptions on one resource (a paid plan and a trial beside it), the most generous
// entitlement wins: unlimited, else the larger amount, and at equal amounts a soft limit (it keeps access).
export function effectiveEntitlements(subscriptions: SubscriptionGrants[]): Map<string, EffectiveEntitlement> {
  const winners = new Map<string, EffectiveEntitlement>();
  for (const subscription of subscriptions) {
    for (const [featureId, candidate] of subscriptionEntitlements(subscription)) {
      const current = winners.get(featureId);
      winners.set(featureId, current ? moreGenerous(current, candidate) : candidate);
    }
  }
  return winners;
}

function generosity(entitlement: EffectiveEntitlement): [number, number, number] {
  return [entitlement.unlimited ? 1 : 0, entitlement.amount ?? 0, entitlement.hasSoftLimit ? 1 : 0];
}

function moreGenerous(a: EffectiveEntitlement, b: EffectiveEntitlement): EffectiveEntitlement {
  const [ga, gb] = [generosity(a), generosity(b)];
  for (let i = 0; i < ga.length; i++) {
    if (ga[i]! > gb[i]!) return a;
    if (gb[i]! > ga[i]!) return b;
  }
  return { ...a, grantedBy: [...a.grantedBy, ...b.grantedBy] };
}
