import type { Entitlement, EntitlementFeature, EntitlementResetPeriod, EntitlementType, MeteredEntitlement, NumericEntitlement } from './types.js';
import type { WireEntitlement } from './wire.js';

// What the cache holds of one (customer, resource): the granted features with their figures, and the denials the
// service gave for features not granted (so a repeated check of those is answered locally too).
export type CachedGrant = {
  feature: EntitlementFeature;
  type: EntitlementType;
  value?: number;
  isUnlimited: boolean;
  usageLimit?: number;
  hasSoftLimit: boolean;
  currentUsage: number;
  resetPeriod?: EntitlementResetPeriod;
  usagePeriodAnchor?: Date;
  usagePeriodStart?: Date;
  usagePeriodEnd?: Date;
};

export type CustomerEntitlements = {
  grants: Map<string, CachedGrant>;
  // Keyed by `${featureId}:${expectedType}`; dates already as Date (converted once, not on every check).
  denials: Map<string, Entitlement>;
  fetchedAt: number;
};

// An effective entitlement as the stream's entitlementsUpdated carries it (the service's stored grant).
export type StreamedGrant = {
  featureId: string;
  amount: number | null;
  unlimited: boolean;
  hasSoftLimit: boolean;
  resetPeriod: EntitlementResetPeriod | null;
  usagePeriodAnchor: string | null;
};

// A metered check without requestedUsage asks whether one more unit fits, as the service's check does.
export const DEFAULT_REQUESTED_USAGE = 1;

// Denials that stay true until the customer's entitlements change (which the stream tells); unknown customers and
// features are asked again each time.
const CACHEABLE_DENIALS = new Set(['NoFeatureEntitlementInSubscription', 'NoActiveSubscription', 'CustomerResourceNotFound', 'FeatureTypeMismatch']);

const time = (text: string | undefined) => (text === undefined ? undefined : new Date(text));

export function fromEntitlementList(list: WireEntitlement[], now: number): CustomerEntitlements {
  const grants = new Map<string, CachedGrant>();
  for (const wire of list) {
    if (!wire.feature) continue;
    grants.set(wire.feature.id, {
      feature: wire.feature,
      type: wire.type,
      ...(wire.value !== undefined && { value: wire.value }),
      isUnlimited: wire.isUnlimited ?? false,
      ...(wire.usageLimit !== undefined && { usageLimit: wire.usageLimit }),
      hasSoftLimit: wire.hasSoftLimit ?? false,
      currentUsage: wire.currentUsage ?? 0,
      ...(wire.resetPeriod && { resetPeriod: wire.resetPeriod }),
      ...(wire.usagePeriodAnchor && { usagePeriodAnchor: time(wire.usagePeriodAnchor) }),
      ...(wire.usagePeriodStart && { usagePeriodStart: time(wire.usagePeriodStart) }),
      ...(wire.usagePeriodEnd && { usagePeriodEnd: time(wire.usagePeriodEnd) }),
    });
  }
  return { grants, denials: new Map(), fetchedAt: now };
}

export const denialKey = (featureId: string, expectedType: EntitlementType) => `${featureId}:${expectedType}`;

// Keeps the service's answer for a feature the entry does not grant, when it stays true until the next update.
export function rememberDenial(entry: CustomerEntitlements, featureId: string, expectedType: EntitlementType, answer: WireEntitlement): void {
  if (!answer.hasAccess && answer.accessDeniedReason && CACHEABLE_DENIALS.has(answer.accessDeniedReason)) entry.denials.set(denialKey(featureId, expectedType), withDates(answer));
}

// The check evaluated in process; undefined when the entry cannot answer it (a feature it knows nothing of, or a
// metered feature whose usage period has ended since it was fetched). Without `now`, the clock is read only when a
// usage period's end needs it. This runs on every cached check: each answer is one object literal of a fixed shape
// (no spreads), and the Dates are the cached ones, not copies.
export function evaluateCached(entry: CustomerEntitlements, featureId: string, expectedType: EntitlementType, requestedUsage: number, now?: number): Entitlement | undefined {
  const grant = entry.grants.get(featureId);
  if (grant === undefined) {
    const denial = entry.denials.get(denialKey(featureId, expectedType));
    if (denial === undefined) return undefined;
    return denial.type === 'METERED' ? { ...denial, requestedUsage } : { ...denial };
  }
  if (grant.type !== expectedType) return { hasAccess: false, isFallback: false, accessDeniedReason: 'FeatureTypeMismatch' as Entitlement['accessDeniedReason'], type: expectedType, feature: grant.feature } as Entitlement;
  if (grant.type === 'BOOLEAN') return { hasAccess: true, isFallback: false, type: 'BOOLEAN', feature: grant.feature };
  if (grant.type === 'NUMERIC') {
    const result: NumericEntitlement = { hasAccess: true, isFallback: false, type: 'NUMERIC', feature: grant.feature, isUnlimited: grant.isUnlimited };
    if (grant.value !== undefined) result.value = grant.value;
    return result;
  }
  if (grant.usagePeriodEnd !== undefined && (now ?? Date.now()) >= grant.usagePeriodEnd.getTime()) return undefined;
  const fits = grant.isUnlimited || grant.hasSoftLimit || grant.currentUsage + requestedUsage <= (grant.usageLimit ?? 0);
  const result: MeteredEntitlement = { hasAccess: fits, isFallback: false, type: 'METERED', feature: grant.feature, isUnlimited: grant.isUnlimited, hasSoftLimit: grant.hasSoftLimit, currentUsage: grant.currentUsage, requestedUsage };
  if (!fits) result.accessDeniedReason = 'RequestedUsageExceedingLimit' as MeteredEntitlement['accessDeniedReason'];
  if (grant.usageLimit !== undefined) result.usageLimit = grant.usageLimit;
  if (grant.resetPeriod) result.resetPeriod = grant.resetPeriod;
  if (grant.usagePeriodAnchor) result.usagePeriodAnchor = grant.usagePeriodAnchor;
  if (grant.usagePeriodStart) result.usagePeriodStart = grant.usagePeriodStart;
  if (grant.usagePeriodEnd) result.usagePeriodEnd = grant.usagePeriodEnd;
  return result;
}

// Every granted entitlement, as getEntitlements lists them (the service's list asks for no extra usage).
export function listCached(entry: CustomerEntitlements, now?: number): Entitlement[] | undefined {
  const results: Entitlement[] = [];
  for (const [featureId, grant] of entry.grants) {
    const result = evaluateCached(entry, featureId, grant.type, 0, now);
    if (!result) return undefined;
    results.push(result);
  }
  return results;
}

function withDates(wire: WireEntitlement): Entitlement {
  const { usagePeriodAnchor, usagePeriodStart, usagePeriodEnd, ...rest } = wire;
  return {
    ...rest,
    ...(usagePeriodAnchor && { usagePeriodAnchor: new Date(usagePeriodAnchor) }),
    ...(usagePeriodStart && { usagePeriodStart: new Date(usagePeriodStart) }),
    ...(usagePeriodEnd && { usagePeriodEnd: new Date(usagePeriodEnd) }),
  } as Entitlement;
}

const sameInstant = (a: Date | undefined, b: string | null) => (a === undefined ? b === null : b !== null && a.getTime() === Date.parse(b));

// Applies the whole new set of a (customer, resource) from the stream. Answers false when the entry cannot be
// updated in place and must be refetched: an empty set (the service explains why with a denial), a feature never
// seen, or a metered feature whose usage period moved (the service rebuilt its counter).
export function applyStreamedGrants(entry: CustomerEntitlements, grants: StreamedGrant[], knownFeatures: ReadonlyMap<string, EntitlementFeature>, now: number): boolean {
  if (grants.length === 0) return false;
  const next = new Map<string, CachedGrant>();
  for (const grant of grants) {
    const feature = knownFeatures.get(grant.featureId);
    if (!feature) return false;
    const common = { feature, isUnlimited: grant.unlimited, hasSoftLimit: grant.hasSoftLimit, currentUsage: 0 };
    if (feature.featureType === 'BOOLEAN') {
      next.set(grant.featureId, { ...common, type: 'BOOLEAN' });
    } else if (feature.meterType === 'None') {
      next.set(grant.featureId, { ...common, type: 'NUMERIC', ...(!grant.unlimited && grant.amount !== null && { value: grant.amount }) });
    } else {
      const before = entry.grants.get(grant.featureId);
      if (!before || before.type !== 'METERED') return false;
      const periodMoved = feature.meterType === 'Incremental' && ((before.resetPeriod ?? null) !== grant.resetPeriod || !sameInstant(before.usagePeriodAnchor, grant.resetPeriod ? grant.usagePeriodAnchor : null));
      if (periodMoved) return false;
      const { value: _value, usageLimit: _limit, ...kept } = before;
      next.set(grant.featureId, { ...kept, isUnlimited: grant.unlimited, hasSoftLimit: grant.hasSoftLimit, ...(!grant.unlimited && { usageLimit: grant.amount ?? 0 }) });
    }
  }
  entry.grants = next;
  entry.denials.clear();
  entry.fetchedAt = now;
  return true;
}

// A usage figure from a report's acknowledgement or the stream: the counter of its period. A figure of an earlier
// period (a report dated in the past) leaves the current one alone; one of a later period starts it.
export function applyUsage(entry: CustomerEntitlements, featureId: string, currentUsage: number, periodStart: Date | undefined, periodEnd: Date | undefined): void {
  const grant = entry.grants.get(featureId);
  if (!grant || grant.type !== 'METERED') return;
  const cachedStart = grant.usagePeriodStart?.getTime();
  const start = periodStart?.getTime();
  if (cachedStart !== undefined && start !== undefined && start !== cachedStart) {
    if (start < cachedStart) return;
    grant.usagePeriodStart = periodStart;
    grant.usagePeriodEnd = periodEnd;
  }
  grant.currentUsage = currentUsage;
}

// Adds a report not yet delivered (the service is unreachable), so local checks count it meanwhile.
export function applyPendingUsage(entry: CustomerEntitlements, featureId: string, value: number, behavior: 'DELTA' | 'SET'): void {
  const grant = entry.grants.get(featureId);
  if (!grant || grant.type !== 'METERED') return;
  grant.currentUsage = behavior === 'SET' ? value : grant.currentUsage + value;
}

// A rough size in bytes (strings count twice their length, objects and maps a fixed overhead each), enough to
// keep the cache near its budget.
export function estimateEntrySize(key: string, entry: CustomerEntitlements): number {
  let bytes = 160 + key.length * 2;
  for (const [featureId, grant] of entry.grants) bytes += 240 + featureId.length * 2 + (grant.resetPeriod ? 96 : 0);
  for (const [denial] of entry.denials) bytes += 320 + denial.length * 2;
  return bytes;
}
