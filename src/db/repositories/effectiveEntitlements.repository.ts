import type { EntitlementDefinition } from '../../domain/catalog/catalogDocument';
import type { EntitlementGrant, SubscriptionGrants } from '../../domain/entitlements/effectiveEntitlements';
import type { ResetPeriod } from '../../domain/usage/usagePeriod';
import type { Selectable } from 'kysely';
import type { DbOrTransaction } from '../createDb';
import type { EffectiveEntitlementTable } from '../database';

// A live subscription's grants, with what the materialisation needs besides: its resource and start (the anchor).
export type LiveGrants = SubscriptionGrants & { resourceId: string | null; startDate: Date };

type Versioned = { packageId: string; version: number };

// The customer's subscriptions that grant entitlements now (a paid place or a trial; not a waiting checkout nor a
// scheduled start), each with its plan version's and add-on versions' entitlements.
export async function loadLiveGrants(db: DbOrTransaction, environmentId: string, customerId: string): Promise<LiveGrants[]> {
  const subscriptions = await db
    .selectFrom('subscriptions')
    .select(['id', 'resource_id', 'plan_id', 'plan_version', 'addons', 'billable_features', 'start_date'])
    .where('environment_id', '=', environmentId)
    .where('customer_id', '=', customerId)
    .where('live_slot', 'in', ['PAID', 'TRIAL'])
    .orderBy('start_date')
    .orderBy('id')
    .execute();
  const versions: Versioned[] = subscriptions.flatMap((s) => [{ packageId: s.plan_id, version: s.plan_version }, ...s.addons.map((a) => ({ packageId: a.addonId, version: a.version }))]);
  const definitions = await loadVersionEntitlements(db, environmentId, versions);
  const of = (packageId: string, version: number) => definitions.get(`${packageId}@${version}`) ?? [];
  return subscriptions.map((s) => ({
    subscriptionId: s.id,
    resourceId: s.resource_id,
    startDate: s.start_date,
    plan: of(s.plan_id, s.plan_version),
    addons: s.addons.map((a) => ({ entitlements: of(a.addonId, a.version), quantity: a.quantity })),
    billableFeatures: s.billable_features,
  }));
}

async function loadVersionEntitlements(db: DbOrTransaction, environmentId: string, versions: Versioned[]): Promise<Map<string, EntitlementDefinition[]>> {
  const byVersion = new Map<string, EntitlementDefinition[]>();
  if (versions.length === 0) return byVersion;
  const rows = await db
    .selectFrom('package_versions as v')
    .innerJoin('package_entitlements as e', 'e.package_version_id', 'v.id')
    .select(['v.package_id', 'v.version', 'e.feature_id', 'e.value', 'e.usage_limit', 'e.is_unlimited', 'e.has_soft_limit', 'e.reset_period'])
    .where('v.environment_id', '=', environmentId)
    .where((eb) => eb.or(versions.map(({ packageId, version }) => eb.and([eb('v.package_id', '=', packageId), eb('v.version', '=', version)]))))
    .execute();
  for (const row of rows) {
    const key = `${row.package_id}@${row.version}`;
    const definition: EntitlementDefinition = {
      featureId: row.feature_id,
      ...(row.value !== null && { value: row.value }),
      ...(row.usage_limit !== null && { usageLimit: row.usage_limit }),
      ...(row.is_unlimited && { unlimited: true }),
      ...(row.has_soft_limit && { hasSoftLimit: true }),
      ...(row.reset_period !== null && { resetPeriod: row.reset_period as ResetPeriod }),
    };
    byVersion.set(key, [...(byVersion.get(key) ?? []), definition]);
  }
  return byVersion;
}

export type StoredEntitlements = Map<string, EntitlementGrant[]>;

// All materialised entitlements of a customer, by resource key ('' for the customer itself).
export async function loadStoredEntitlements(db: DbOrTransaction, environmentId: string, customerId: string): Promise<StoredEntitlements> {
  const rows = await db.selectFrom('effective_entitlements').selectAll().where('environment_id', '=', environmentId).where('customer_id', '=', customerId).orderBy('feature_id').execute();
  const byResource: StoredEntitlements = new Map();
  for (const row of rows) byResource.set(row.resource_key, [...(byResource.get(row.resource_key) ?? []), toGrant(row)]);
  return byResource;
}

// One (customer, resource)'s entitlements: the hot path's one indexed read.
export async function readEntitlements(db: DbOrTransaction, environmentId: string, customerId: string, resourceKey: string): Promise<EntitlementGrant[]> {
  const rows = await db
    .selectFrom('effective_entitlements')
    .selectAll()
    .where('environment_id', '=', environmentId)
    .where('customer_id', '=', customerId)
    .where('resource_key', '=', resourceKey)
    .orderBy('feature_id')
    .execute();
  return rows.map(toGrant);
}

// A stored row as checks, caches and listeners see it.
export function toGrant(row: Pick<Selectable<EffectiveEntitlementTable>, 'feature_id' | 'amount' | 'unlimited' | 'has_soft_limit' | 'reset_period' | 'usage_period_anchor' | 'granted_by'>): EntitlementGrant {
  return {
    featureId: row.feature_id,
    amount: row.amount,
    unlimited: row.unlimited,
    hasSoftLimit: row.has_soft_limit,
    resetPeriod: row.reset_period,
    usagePeriodAnchor: row.usage_period_anchor?.toISOString() ?? null,
    grantedBy: row.granted_by,
  };
}

// Replaces one (customer, resource)'s rows with a new set.
export async function replaceEntitlements(db: DbOrTransaction, environmentId: string, customerId: string, resourceKey: string, grants: EntitlementGrant[]): Promise<void> {
  await db.deleteFrom('effective_entitlements').where('environment_id', '=', environmentId).where('customer_id', '=', customerId).where('resource_key', '=', resourceKey).execute();
  if (grants.length === 0) return;
  await db
    .insertInto('effective_entitlements')
    .values(
      grants.map((grant) => ({
        environment_id: environmentId,
        customer_id: customerId,
        resource_key: resourceKey,
        feature_id: grant.featureId,
        amount: grant.amount,
        unlimited: grant.unlimited,
        has_soft_limit: grant.hasSoftLimit,
        reset_period: grant.resetPeriod,
        usage_period_anchor: grant.usagePeriodAnchor === null ? null : new Date(grant.usagePeriodAnchor),
        granted_by: grant.grantedBy,
      })),
    )
    .execute();
}
