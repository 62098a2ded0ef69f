import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CheckFacts, type CheckedFeature, evaluateEntitlement } from '../../src/domain/entitlements/entitlementCheck';
import type { EntitlementGrant } from '../../src/domain/entitlements/effectiveEntitlements';
import { materialiseEntitlements, sameEntitlements } from '../../src/domain/entitlements/materialiseEntitlements';

const feature = (id: string, featureType: 'BOOLEAN' | 'NUMBER', meterType: CheckedFeature['meterType'] = 'None'): CheckedFeature => ({ id, displayName: id, featureType, meterType, units: null, unitsPlural: null });
const grant = (featureId: string, extra: Partial<EntitlementGrant> = {}): EntitlementGrant => ({ featureId, amount: null, unlimited: false, hasSoftLimit: false, resetPeriod: null, usagePeriodAnchor: null, grantedBy: ['s1'], ...extra });
const now = new Date('2026-03-15T12:00:00.000Z');
const facts = (extra: Partial<CheckFacts>): CheckFacts => ({ customer: 'FOUND', resourceKnown: true, feature: undefined, grant: undefined, hasLiveSubscription: true, currentUsage: 0, requestedUsage: 1, now, ...extra });
const calls = feature('calls', 'NUMBER', 'Incremental');

describe('evaluateEntitlement', () => {
  it('denies in a fixed order: customer, archive, feature, type, resource, subscription, grant, limit', () => {
    const everythingWrong = facts({ customer: 'NOT_FOUND', resourceKnown: false, hasLiveSubscription: false, expectedType: 'BOOLEAN', requestedUsage: 10 });
    expect(evaluateEntitlement(everythingWrong).accessDeniedReason).toBe('CustomerNotFound');
    expect(evaluateEntitlement({ ...everythingWrong, customer: 'ARCHIVED' }).accessDeniedReason).toBe('CustomerIsArchived');
    expect(evaluateEntitlement({ ...everythingWrong, customer: 'FOUND' }).accessDeniedReason).toBe('FeatureNotFound');
    expect(evaluateEntitlement({ ...everythingWrong, customer: 'FOUND', feature: calls }).accessDeniedReason).toBe('FeatureTypeMismatch');
    expect(evaluateEntitlement({ ...everythingWrong, customer: 'FOUND', feature: calls, expectedType: 'METERED' }).accessDeniedReason).toBe('CustomerResourceNotFound');
    expect(evaluateEntitlement({ ...everythingWrong, customer: 'FOUND', feature: calls, expectedType: undefined, resourceKnown: true }).accessDeniedReason).toBe('NoActiveSubscription');
    expect(evaluateEntitlement(facts({ feature: calls })).accessDeniedReason).toBe('NoFeatureEntitlementInSubscription');
    expect(evaluateEntitlement(facts({ feature: calls, grant: grant('calls', { amount: 5 }), currentUsage: 5 })).accessDeniedReason).toBe('RequestedUsageExceedingLimit');
  });

  it('grants a metered feature exactly when current + requested fits a hard limit; soft and unlimited always fit', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(1000), fc.nat(1000), fc.boolean(), fc.boolean(), (limit, current, requested, soft, unlimited) => {
        const result = evaluateEntitlement(facts({ feature: calls, grant: grant('calls', { amount: limit, hasSoftLimit: soft, unlimited }), currentUsage: current, requestedUsage: requested }));
        expect(result.hasAccess).toBe(unlimited || soft || current + requested <= limit);
        expect(result).toMatchObject({ type: 'METERED', currentUsage: current, requestedUsage: requested, hasSoftLimit: soft, isUnlimited: unlimited });
        if (unlimited) expect(result).not.toHaveProperty('usageLimit');
        else expect(result.usageLimit).toBe(limit);
      }),
    );
  });

  it('answers the usage period of the check time, from the anchor', () => {
    const result = evaluateEntitlement(facts({ feature: calls, grant: grant('calls', { amount: 10, resetPeriod: 'MONTH', usagePeriodAnchor: '2026-01-31T08:00:00.000Z' }) }));
    expect(result).toMatchObject({ resetPeriod: 'MONTH', usagePeriodStart: '2026-02-28T08:00:00.000Z', usagePeriodEnd: '2026-03-31T08:00:00.000Z', usagePeriodAnchor: '2026-01-31T08:00:00.000Z' });
    const seats = evaluateEntitlement(facts({ feature: feature('seats', 'NUMBER', 'Fluctuating'), grant: grant('seats', { amount: 3, resetPeriod: 'MONTH', usagePeriodAnchor: '2026-01-31T08:00:00.000Z' }) }));
    expect(seats).not.toHaveProperty('usagePeriodStart');
  });

  it('gives numeric values, unlimited without a value, and booleans by presence', () => {
    expect(evaluateEntitlement(facts({ feature: feature('p', 'NUMBER'), grant: grant('p', { amount: 7 }) }))).toMatchObject({ hasAccess: true, type: 'NUMERIC', value: 7, isUnlimited: false });
    expect(evaluateEntitlement(facts({ feature: feature('p', 'NUMBER'), grant: grant('p', { unlimited: true }) }))).not.toHaveProperty('value');
    expect(evaluateEntitlement(facts({ feature: feature('b', 'BOOLEAN'), grant: grant('b') }))).toEqual({ hasAccess: true, isFallback: false, type: 'BOOLEAN', feature: feature('b', 'BOOLEAN') });
  });
});

describe('materialiseEntitlements', () => {
  const subscription = (id: string, resourceId: string | null, value: number, startDate = new Date('2026-01-01T00:00:00Z')) => ({
    subscriptionId: id,
    resourceId,
    startDate,
    plan: [{ featureId: 'projects', value }, { featureId: 'calls', usageLimit: value * 100, resetPeriod: 'MONTH' as const }],
    addons: [],
    billableFeatures: [],
  });

  it('stores the customer-wide scope and each resource with its own and the customer-wide subscriptions', () => {
    const stored = materialiseEntitlements([subscription('wide', null, 5), subscription('site', 'site-1', 3, new Date('2026-02-01T00:00:00Z'))]);
    expect([...stored.keys()].sort()).toEqual(['', 'site-1']);
    expect(stored.get('')!.find((g) => g.featureId === 'projects')!.amount).toBe(5);
    const site = stored.get('site-1')!;
    expect(site.find((g) => g.featureId === 'projects')).toMatchObject({ amount: 5, grantedBy: ['wide'] });
    expect(site.find((g) => g.featureId === 'calls')).toMatchObject({ amount: 500, usagePeriodAnchor: '2026-01-01T00:00:00.000Z' });
  });

  it('anchors a reset period at the winning subscription\'s start, and stores nothing without subscriptions', () => {
    const stored = materialiseEntitlements([subscription('small', 'r', 1), subscription('big', 'r', 9, new Date('2026-02-10T00:00:00Z'))]);
    expect(stored.get('r')!.find((g) => g.featureId === 'calls')).toMatchObject({ amount: 900, usagePeriodAnchor: '2026-02-10T00:00:00.000Z' });
    expect(stored.has('')).toBe(false);
    expect(materialiseEntitlements([]).size).toBe(0);
  });

  it('tells equal sets from different ones whatever the order of grantedBy', () => {
    expect(sameEntitlements([grant('a', { grantedBy: ['x', 'y'] })], [grant('a', { grantedBy: ['y', 'x'] })])).toBe(true);
    expect(sameEntitlements([grant('a', { amount: 1 })], [grant('a', { amount: 2 })])).toBe(false);
  });
});
