import { effectiveEntitlements, type EntitlementGrant, type SubscriptionGrants } from './effectiveEntitlements';

export type ResourcedGrants = SubscriptionGrants & { resourceId: string | null; startDate: Date };

// The rows to store per resource key ('' is the customer itself). A resource sees its own subscriptions and the
// customer's resource-less ones (an organisation-wide plan still applies inside each project); the customer itself
// sees only its resource-less ones. A reset period counts from the start of the winning subscription.
export function materialiseEntitlements(subscriptions: ResourcedGrants[]): Map<string, EntitlementGrant[]> {
  const customerWide = subscriptions.filter((s) => s.resourceId === null);
  const resources = [...new Set(subscriptions.flatMap((s) => (s.resourceId === null ? [] : [s.resourceId])))];
  const scopes = new Map<string, ResourcedGrants[]>([['', customerWide], ...resources.map((r): [string, ResourcedGrants[]] => [r, [...subscriptions.filter((s) => s.resourceId === r), ...customerWide]])]);
  const startOf = new Map(subscriptions.map((s) => [s.subscriptionId, s.startDate]));
  const materialised = new Map<string, EntitlementGrant[]>();
  for (const [resourceKey, scoped] of scopes) {
    if (scoped.length === 0) continue;
    const grants = [...effectiveEntitlements(scoped).values()]
      .sort((a, b) => (a.featureId < b.featureId ? -1 : a.featureId > b.featureId ? 1 : 0))
      .map((entitlement) => ({
        ...entitlement,
        usagePeriodAnchor: entitlement.resetPeriod ? (startOf.get(entitlement.grantedBy[0]!)?.toISOString() ?? null) : null,
      }));
    materialised.set(resourceKey, grants);
  }
  return materialised;
}

// Whether two stored sets differ in anything a check or a listener sees.
export function sameEntitlements(a: readonly EntitlementGrant[], b: readonly EntitlementGrant[]): boolean {
  return JSON.stringify(a.map(comparable)) === JSON.stringify(b.map(comparable));
}

const comparable = (g: EntitlementGrant) => [g.featureId, g.amount, g.unlimited, g.hasSoftLimit, g.resetPeriod, g.usagePeriodAnchor, [...g.grantedBy].sort()];
