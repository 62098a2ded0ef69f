import { sql } from 'kysely';
import type { FeatureDefinition } from '../../domain/catalog/catalogDocument';
import type { AddonContent, PaywallCatalog, PaywallCustomerState, PlanContent, PublishedPackage } from '../../domain/paywall/shapePaywall';
import type { PaywallSubscription } from '../../domain/paywall/paywallView';
import type { StoredPrice } from '../../domain/subscriptions/chosenPrice';
import type { LiveSlot } from '../../domain/subscriptions/subscription';
import type { DbOrTransaction } from '../createDb';
import { listLive, toFeatureDefinition } from './catalogRead.repository';
import { toStoredPrice } from './subscriptions.repository';

// The product's catalog as its paywall shows it, or undefined when the product is unknown or archived.
export async function loadPaywallCatalog(db: DbOrTransaction, environmentId: string, productId: string): Promise<PaywallCatalog | undefined> {
  const [product, versions, features] = await Promise.all([
    db
      .selectFrom('products')
      .select(['id', 'plan_order'])
      .where('environment_id', '=', environmentId)
      .where('id', '=', productId)
      .where('archived_at', 'is', null)
      .executeTakeFirst(),
    latestPublishedVersions(db, environmentId, productId),
    listLive(db, 'features', environmentId),
  ]);
  if (!product) return undefined;
  const prices = await pricesOfVersions(db, versions.map((version) => version.version_id));
  const published = (kind: 'PLAN' | 'ADDON') =>
    versions
      .filter((version) => version.kind === kind)
      .map((version) => ({ id: version.package_id, version: version.version, content: version.content, prices: prices.get(version.version_id) ?? [] }));
  return {
    productId: product.id,
    planOrder: product.plan_order ?? [],
    plans: published('PLAN') as PublishedPackage<PlanContent>[],
    addons: new Map((published('ADDON') as PublishedPackage<AddonContent>[]).map((addon) => [addon.id, addon])),
    features: new Map(features.map((row): [string, FeatureDefinition] => [row.id, toFeatureDefinition(row)])),
  };
}

// Each live plan and add-on of the product at its newest published version (drafts are not on sale).
async function latestPublishedVersions(db: DbOrTransaction, environmentId: string, productId: string) {
  return db
    .selectFrom('package_versions as v')
    .innerJoin('packages as p', (join) => join.onRef('p.environment_id', '=', 'v.environment_id').onRef('p.id', '=', 'v.package_id'))
    .distinctOn('v.package_id')
    .select(['v.id as version_id', 'v.package_id', 'v.version', 'v.content', 'p.kind'])
    .where('v.environment_id', '=', environmentId)
    .where('p.product_id', '=', productId)
    .where('p.archived_at', 'is', null)
    .where('v.status', '=', 'PUBLISHED')
    .orderBy('v.package_id')
    .orderBy('v.version', 'desc')
    .execute();
}

async function pricesOfVersions(db: DbOrTransaction, versionIds: number[]): Promise<Map<number, StoredPrice[]>> {
  const byVersion = new Map<number, StoredPrice[]>();
  if (versionIds.length === 0) return byVersion;
  const rows = await db.selectFrom('package_prices').selectAll().where('package_version_id', 'in', versionIds).orderBy('id').execute();
  for (const row of rows) {
    const list = byVersion.get(row.package_version_id) ?? [];
    list.push(toStoredPrice(row));
    byVersion.set(row.package_version_id, list);
  }
  return byVersion;
}

// The customer's live subscriptions on the product and resource (none: those without a resource), oldest first.
export async function loadPaywallCustomerState(
  db: DbOrTransaction,
  environmentId: string,
  scope: { customerId: string; productId: string; resourceId: string | null },
): Promise<PaywallCustomerState> {
  const rows = await db
    .selectFrom('subscriptions')
    .select(['id', 'plan_id', 'plan_version', 'status', 'billing_period', 'live_slot'])
    .where('environment_id', '=', environmentId)
    .where('customer_id', '=', scope.customerId)
    .where('product_id', '=', scope.productId)
    .where(sql<string>`coalesce(resource_id, '')`, '=', scope.resourceId ?? '')
    .where('live_slot', 'is not', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return {
    customerId: scope.customerId,
    resourceId: scope.resourceId,
    subscriptions: rows.map((row) => ({
      subscriptionId: row.id,
      planId: row.plan_id,
      planVersion: row.plan_version,
      status: row.status as PaywallSubscription['status'],
      billingPeriod: row.billing_period,
      slot: row.live_slot as LiveSlot,
    })),
  };
}
