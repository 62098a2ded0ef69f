import type { Entitlement, EntitlementFeature, EntitlementResetPeriod, EntitlementType, MeteredEntitlement, NumericEntitlement } from './types.js';
import type { WireEntitlement } from './wire.js';

// What the cache holds of one (customer, resource): the granted features with their figures, and the denials the
// service gave for features not granted (so a repeated check of those is answered locally too). Every grant has
// every field, in this order (absent ones undefined), so the checks reading them see one shape.
export type CachedGrant = {
  feature: EntitlementFeature;
  type: EntitlementType;
  value: number | undefined;
  isUnlimited: boolean;
  usageLimit: number | undefined;
  hasSoftLimit: boolean;
  currentUsage: number;
  resetPeriod: EntitlementResetPeriod | undefined;
  usagePeriodAnchor: Date | undefined;
  usagePeriodStart: Date | undefined;
  usagePeriodEnd: Date | undefined;
  // The period's end as a number (+Infinity without one): a check compares it with the clock, and a caller that
  // changes a Date it was handed cannot change what the cache decides.
  usagePeriodEndsAt: number;
};

type GrantFields = Partial<CachedGrant> & Pick<CachedGrant, 'feature' | 'type' | 'isUnlimited' | 'hasSoftLimit' | 'currentUsage'>;

export function cachedGrant(fields: GrantFields): CachedGrant {
  return {
    feature: fields.feature,
    type: fields.type,
    value: fields.value,
    isUnlimited: fields.isUnlimited,
    usageLimit: fields.usageLimit,
    hasSoftLimit: fields.hasSoftLimit,
    currentUsage: fields.currentUsage,
    resetPeriod: fields.resetPeriod,
    usagePeriodAnchor: fields.usagePeriodAnchor,
    usagePeriodStart: fields.usagePeriodStart,
    usagePeriodEnd: fields.usagePeriodEnd,
    usagePeriodEndsAt: fields.usagePeriodEnd === undefined ? Number.POSITIVE_INFINITY : fields.usagePeriodEnd.getTime(),
  };
}

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

const time = (text: string | undefined) => (text ? new Date(text) : undefined);

export function fromEntitlementList(list: WireEntitlement[], now: number): CustomerEntitlements {
  const grants = new Map<string, CachedGrant>();
  for (const wire of list) {
    if (!wire.feature) continue;
    grants.set(
      wire.feature.id,
      cachedGrant({
        feature: wire.feature,
        type: wire.type,
        value: wire.value,
        isUnlimited: wire.isUnlimited ?? false,
        usageLimit: wire.usageLimit,
        hasSoftLimit: wire.hasSoftLimit ?? false,
        currentUsage: wire.currentUsage ?? 0,
        resetPeriod: wire.resetPeriod || undefined,
        usagePeriodAnchor: time(wire.usagePeriodAnchor),
        usagePeriodStart: time(wire.usagePeriodStart),
        usagePeriodEnd: time(wire.usagePeriodEnd),
      }),
    );
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
  // The clock is read once, and only for a usage period that ends.
  if (grant.usagePeriodEndsAt !== Number.POSITIVE_INFINITY && (now ?? Date.now()) >= grant.usagePeriodEndsAt) return undefined;
  return meteredAnswer(grant, requestedUsage);
}

// A metered grant with a limit and a usage period that fits (the common answer) is one object literal with every field
// in one order: one shape, no field added after. Any other is built field by field, with only the fields it has.
function meteredAnswer(grant: CachedGrant, requestedUsage: number): MeteredEntitlement {
  const fits = grant.isUnlimited || grant.hasSoftLimit || grant.currentUsage + requestedUsage <= (grant.usageLimit ?? 0);
  const { usageLimit, resetPeriod, usagePeriodAnchor, usagePeriodStart, usagePeriodEnd } = grant;
  if (fits && usageLimit !== undefined && resetPeriod !== undefined && usagePeriodAnchor !== undefined && usagePeriodStart !== undefined && usagePeriodEnd !== undefined) {
    return { hasAccess: true, isFallback: false, type: 'METERED', feature: grant.feature, isUnlimited: grant.isUnlimited, hasSoftLimit: grant.hasSoftLimit, currentUsage: grant.currentUsage, requestedUsage, usageLimit, resetPeriod, usagePeriodAnchor, usagePeriodStart, usagePeriodEnd };
  }
  const result: MeteredEntitlement = { hasAccess: fits, isFallback: false, type: 'METERED', feature: grant.feature, isUnlimited: grant.isUnlimited, hasSoftLimit: grant.hasSoftLimit, currentUsage: grant.currentUsage, requestedUsage };
  if (!fits) result.accessDeniedReason = 'RequestedUsageExceedingLimit' as MeteredEntitlement['accessDeniedReason'];
  if (usageLimit !== undefined) result.usageLimit = usageLimit;
  if (resetPeriod) result.resetPeriod = resetPeriod;
  if (usagePeriodAnchor) result.usagePeriodAnchor = usagePeriodAnchor;
  if (usagePeriodStart) result.usagePeriodStart = usagePeriodStart;
  if (usagePeriodEnd) result.usagePeriodEnd = usagePeriodEnd;
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
      next.set(grant.featureId, cachedGrant({ ...common, type: 'BOOLEAN' }));
    } else if (feature.meterType === 'None') {
      next.set(grant.featureId, cachedGrant({ ...common, type: 'NUMERIC', value: !grant.unlimited && grant.amount !== null ? grant.amount : undefined }));
    } else {
      const before = entry.grants.get(grant.featureId);
      if (!before || before.type !== 'METERED') return false;
      const periodMoved = feature.meterType === 'Incremental' && ((before.resetPeriod ?? null) !== grant.resetPeriod || !sameInstant(before.usagePeriodAnchor, grant.resetPeriod ? grant.usagePeriodAnchor : null));
      if (periodMoved) return false;
      next.set(grant.featureId, cachedGrant({ ...before, value: undefined, isUnlimited: grant.unlimited, hasSoftLimit: grant.hasSoftLimit, usageLimit: grant.unlimited ? undefined : (grant.amount ?? 0) }));
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
    // Copies: the caller holds these Dates (a report's answer, a usageUpdated payload) and may change them.
    grant.usagePeriodStart = new Date(start);
    grant.usagePeriodEnd = periodEnd && new Date(periodEnd.getTime());
    grant.usagePeriodEndsAt = periodEnd === undefined ? Number.POSITIVE_INFINITY : periodEnd.getTime();
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
