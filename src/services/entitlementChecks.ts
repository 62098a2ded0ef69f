import type { Db } from '../db/createDb';
import { readCounterValue } from '../db/repositories/counterReads';
import { type EntitlementResult, type EntitlementType, entitlementTypeOf, evaluateEntitlement } from '../domain/entitlements/entitlementCheck';
import type { EntitlementGrant } from '../domain/entitlements/effectiveEntitlements';
import { counterPeriod, type MeterType } from '../domain/usage/counterPeriod';
import type { EntitlementReads } from './entitlementReads';

export type EntitlementQuery = {
  environmentId: string;
  customerId: string;
  featureId: string;
  resourceId: string | null;
  requestedUsage: number;
  expectedType?: EntitlementType;
};

// The usage a metered entitlement counts against now: the counter of the period containing `now`.
export async function currentUsageOf(db: Db, key: { environmentId: string; customerId: string; resourceId: string | null; featureId: string }, meterType: MeterType, grant: EntitlementGrant | undefined, now: Date): Promise<number> {
  const period = counterPeriod({ meterType, resetPeriod: grant?.resetPeriod ?? null, usagePeriodAnchor: grant?.usagePeriodAnchor ? new Date(grant.usagePeriodAnchor) : null }, now);
  return readCounterValue(db, { environmentId: key.environmentId, customerId: key.customerId, resourceKey: key.resourceId ?? '', featureId: key.featureId }, period);
}

// One feature's entitlement: the scope and features come from `reads` (cached or not); a metered feature adds the
// read of its usage counter, always from Postgres so a check right after a usage acknowledgement sees it (one
// statement for the checks that arrive in the same turn of the event loop, see counterReads).
export async function checkEntitlement(db: Db, reads: EntitlementReads, query: EntitlementQuery, now = new Date()): Promise<EntitlementResult> {
  const [scope, features] = await Promise.all([reads.scope(query.environmentId, query.customerId, query.resourceId), reads.features(query.environmentId)]);
  const feature = features.get(query.featureId);
  const grant = scope.grants.find((g) => g.featureId === query.featureId);
  const metered = scope.customer === 'FOUND' && feature !== undefined && entitlementTypeOf(feature) === 'METERED' && scope.resourceKnown;
  const currentUsage = metered ? await currentUsageOf(db, query, feature.meterType, grant, now) : 0;
  return evaluateEntitlement({ ...scope, feature, grant, expectedType: query.expectedType, currentUsage, requestedUsage: query.requestedUsage, now });
}

// Every entitlement of a (customer, resource): one result per granted feature, metered ones with their usage.
export async function listEntitlements(db: Db, reads: EntitlementReads, query: Omit<EntitlementQuery, 'featureId' | 'requestedUsage' | 'expectedType'>, now = new Date()): Promise<EntitlementResult[]> {
  const [scope, features] = await Promise.all([reads.scope(query.environmentId, query.customerId, query.resourceId), reads.features(query.environmentId)]);
  if (scope.customer !== 'FOUND') return [];
  return Promise.all(
    scope.grants.flatMap((grant) => {
      const feature = features.get(grant.featureId);
      if (!feature) return [];
      const facts = { ...scope, feature, grant, requestedUsage: 0, now };
      if (entitlementTypeOf(feature) !== 'METERED') return [Promise.resolve(evaluateEntitlement({ ...facts, currentUsage: 0 }))];
      return [currentUsageOf(db, { ...query, featureId: grant.featureId }, feature.meterType, grant, now).then((currentUsage) => evaluateEntitlement({ ...facts, currentUsage }))];
    }),
  );
}
