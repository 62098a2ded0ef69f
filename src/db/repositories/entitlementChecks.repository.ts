import type { EntitlementGrant } from '../../domain/entitlements/effectiveEntitlements';
import type { CheckedFeature } from '../../domain/entitlements/entitlementCheck';
import type { MeterType } from '../../domain/usage/counterPeriod';
import type { DbOrTransaction } from '../createDb';
import { readEntitlements, toGrant } from './effectiveEntitlements.repository';

// Everything a check of one (customer, resource) needs besides the feature and its usage.
export type CheckScope = {
  customer: 'FOUND' | 'NOT_FOUND' | 'ARCHIVED';
  resourceKnown: boolean;
  hasLiveSubscription: boolean;
  grants: EntitlementGrant[];
};

// One indexed read on the common path (the customer and its materialised rows for the resource). Only a scope
// without rows looks further, to say why: an unknown resource, no live subscription, or a resource whose own
// subscriptions ended while customer-wide ones still grant.
export async function loadCheckScope(db: DbOrTransaction, environmentId: string, customerId: string, resourceId: string | null): Promise<CheckScope> {
  const resourceKey = resourceId ?? '';
  const rows = await db
    .selectFrom('customers as c')
    .leftJoin('effective_entitlements as e', (join) =>
      join.onRef('e.environment_id', '=', 'c.environment_id').onRef('e.customer_id', '=', 'c.id').on('e.resource_key', '=', resourceKey),
    )
    .select(['c.archived_at', 'e.feature_id', 'e.amount', 'e.unlimited', 'e.has_soft_limit', 'e.reset_period', 'e.usage_period_anchor', 'e.granted_by'])
    .where('c.environment_id', '=', environmentId)
    .where('c.id', '=', customerId)
    .orderBy('e.feature_id')
    .execute();
  if (rows.length === 0) return { customer: 'NOT_FOUND', resourceKnown: true, hasLiveSubscription: false, grants: [] };
  if (rows[0]!.archived_at) return { customer: 'ARCHIVED', resourceKnown: true, hasLiveSubscription: false, grants: [] };
  // The left join leaves a row without entitlement columns when the customer has none for this resource.
  const grants = rows.flatMap((row) => (row.feature_id === null ? [] : [toGrant({ ...row, feature_id: row.feature_id, unlimited: row.unlimited!, has_soft_limit: row.has_soft_limit!, granted_by: row.granted_by! })]));
  if (grants.length > 0) return { customer: 'FOUND', resourceKnown: true, hasLiveSubscription: true, grants };
  return explainEmptyScope(db, environmentId, customerId, resourceId);
}

async function explainEmptyScope(db: DbOrTransaction, environmentId: string, customerId: string, resourceId: string | null): Promise<CheckScope> {
  const subscriptions = await db
    .selectFrom('subscriptions')
    .select(['resource_id', 'live_slot'])
    .where('environment_id', '=', environmentId)
    .where('customer_id', '=', customerId)
    .where((eb) => (resourceId === null ? eb('resource_id', 'is', null) : eb.or([eb('resource_id', '=', resourceId), eb('resource_id', 'is', null)])))
    .execute();
  const resourceKnown = resourceId === null || subscriptions.some((s) => s.resource_id === resourceId);
  const hasLiveSubscription = subscriptions.some((s) => s.live_slot === 'PAID' || s.live_slot === 'TRIAL');
  // A resource whose own subscriptions all ended still sees the customer-wide ones.
  const grants = resourceId !== null && resourceKnown ? await readEntitlements(db, environmentId, customerId, '') : [];
  return { customer: 'FOUND', resourceKnown, hasLiveSubscription, grants };
}

// The environment's live features, as checks describe them.
export async function loadCheckedFeatures(db: DbOrTransaction, environmentId: string): Promise<Map<string, CheckedFeature>> {
  const rows = await db
    .selectFrom('features')
    .select(['id', 'display_name', 'feature_type', 'meter_type', 'unit', 'unit_plural'])
    .where('environment_id', '=', environmentId)
    .where('archived_at', 'is', null)
    .execute();
  return new Map(
    rows.map((row) => [
      row.id,
      { id: row.id, displayName: row.display_name, featureType: row.feature_type, meterType: row.meter_type as MeterType, units: row.unit, unitsPlural: row.unit_plural },
    ]),
  );
}
