import type { EntitlementGrant } from './effectiveEntitlements';
import { counterPeriod, type MeterType, resetsNever } from '../usage/counterPeriod';
import type { ResetPeriod } from '../usage/usagePeriod';

export const ENTITLEMENT_TYPES = ['BOOLEAN', 'NUMERIC', 'METERED'] as const;
export type EntitlementType = (typeof ENTITLEMENT_TYPES)[number];

export const ACCESS_DENIED_REASONS = [
  'CustomerNotFound',
  'CustomerIsArchived',
  'CustomerResourceNotFound',
  'FeatureNotFound',
  'FeatureTypeMismatch',
  'NoActiveSubscription',
  'NoFeatureEntitlementInSubscription',
  'RequestedUsageExceedingLimit',
  'Revoked',
  'Unknown',
] as const;
export type AccessDeniedReason = (typeof ACCESS_DENIED_REASONS)[number];

export type CheckedFeature = {
  id: string;
  displayName: string;
  featureType: 'BOOLEAN' | 'NUMBER';
  meterType: MeterType;
  units: string | null;
  unitsPlural: string | null;
};

// What a check found, gathered by the caller (from the database or a cache) before this pure evaluation.
export type CheckFacts = {
  customer: 'FOUND' | 'NOT_FOUND' | 'ARCHIVED';
  // False when a resource was asked for and the customer never had a subscription on it.
  resourceKnown: boolean;
  feature: CheckedFeature | undefined;
  // The type the caller asked for (getBooleanEntitlement asks for BOOLEAN, ...); none accepts the feature's own.
  expectedType?: EntitlementType;
  grant: EntitlementGrant | undefined;
  // Whether any subscription grants the scope anything (a paid place or a trial).
  hasLiveSubscription: boolean;
  // The feature's usage in the period containing `now` (metered features only).
  currentUsage: number;
  requestedUsage: number;
  now: Date;
};

export type EntitlementResult = {
  hasAccess: boolean;
  isFallback: false;
  accessDeniedReason?: AccessDeniedReason;
  type: EntitlementType;
  feature?: CheckedFeature;
  value?: number;
  isUnlimited?: boolean;
  usageLimit?: number;
  hasSoftLimit?: boolean;
  currentUsage?: number;
  requestedUsage?: number;
  resetPeriod?: ResetPeriod;
  usagePeriodAnchor?: string;
  usagePeriodStart?: string;
  usagePeriodEnd?: string;
};

export function entitlementTypeOf(feature: Pick<CheckedFeature, 'featureType' | 'meterType'>): EntitlementType {
  if (feature.featureType === 'BOOLEAN') return 'BOOLEAN';
  return feature.meterType === 'None' ? 'NUMERIC' : 'METERED';
}

// The rule of a customer's access to one feature. Denials come in a fixed order (who, what, where, whether
// subscribed, whether granted, whether within the limit), so the reason names the first thing that is missing.
// A metered check asks "may I use `requestedUsage` more?": it fits when current + requested stays within the
// limit; a soft limit keeps access past it; unlimited always fits.
export function evaluateEntitlement(facts: CheckFacts): EntitlementResult {
  const type = facts.feature ? entitlementTypeOf(facts.feature) : (facts.expectedType ?? 'BOOLEAN');
  const denied = (accessDeniedReason: AccessDeniedReason, extra: Partial<EntitlementResult> = {}): EntitlementResult => ({
    hasAccess: false,
    isFallback: false,
    accessDeniedReason,
    type: facts.expectedType ?? type,
    ...(facts.feature && { feature: facts.feature }),
    ...extra,
  });
  if (facts.customer === 'NOT_FOUND') return denied('CustomerNotFound');
  if (facts.customer === 'ARCHIVED') return denied('CustomerIsArchived');
  if (!facts.feature) return denied('FeatureNotFound');
  if (facts.expectedType && facts.expectedType !== type) return denied('FeatureTypeMismatch');
  if (!facts.resourceKnown) return denied('CustomerResourceNotFound');
  const usage = type === 'METERED' ? meteredFigures(facts) : {};
  if (!facts.grant) return denied(facts.hasLiveSubscription ? 'NoFeatureEntitlementInSubscription' : 'NoActiveSubscription', usage);
  const granted = { hasAccess: true, isFallback: false as const, type, feature: facts.feature };
  if (type === 'BOOLEAN') return granted;
  if (type === 'NUMERIC') {
    return { ...granted, isUnlimited: facts.grant.unlimited, ...(!facts.grant.unlimited && facts.grant.amount !== null && { value: facts.grant.amount }) };
  }
  const fits = facts.grant.unlimited || facts.grant.hasSoftLimit || facts.currentUsage + facts.requestedUsage <= (facts.grant.amount ?? 0);
  return fits ? { ...granted, ...usage } : denied('RequestedUsageExceedingLimit', usage);
}

function meteredFigures(facts: CheckFacts): Partial<EntitlementResult> {
  const grant = facts.grant;
  const figures: Partial<EntitlementResult> = {
    isUnlimited: grant?.unlimited ?? false,
    hasSoftLimit: grant?.hasSoftLimit ?? false,
    currentUsage: facts.currentUsage,
    requestedUsage: facts.requestedUsage,
    ...(grant && !grant.unlimited && { usageLimit: grant.amount ?? 0 }),
  };
  if (!grant?.resetPeriod || !grant.usagePeriodAnchor) return figures;
  const anchor = new Date(grant.usagePeriodAnchor);
  const period = counterPeriod({ meterType: facts.feature!.meterType, resetPeriod: grant.resetPeriod, usagePeriodAnchor: anchor }, facts.now);
  if (resetsNever(period)) return figures;
  return { ...figures, resetPeriod: grant.resetPeriod, usagePeriodAnchor: anchor.toISOString(), usagePeriodStart: period.start.toISOString(), usagePeriodEnd: period.end.toISOString() };
}
