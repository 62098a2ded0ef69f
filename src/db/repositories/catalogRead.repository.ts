import type { Selectable } from 'kysely';
import type {
  CouponDefinition,
  FeatureDefinition,
  MeterDefinition,
  ProductDefinition,
} from '../../domain/catalog/catalogDocument';
import type { PackageContent, StoredCatalog, StoredPackage } from '../../domain/catalog/planCatalogChanges';
import type { PackageView } from '../../domain/catalog/packageView';
import type { SubscriptionCatalog } from '../../domain/subscriptions/subscriptionRequest';
import type { DbOrTransaction } from '../createDb';
import type { CouponTable, FeatureTable, MeterTable, ProductTable } from '../database';

const orUndefined = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

export function toProductDefinition(row: Selectable<ProductTable>): ProductDefinition {
  return {
    id: row.id,
    displayName: row.display_name,
    description: orUndefined(row.description),
    customerJourney: { initialPlanId: orUndefined(row.initial_plan_id), fallbackPlanId: orUndefined(row.fallback_plan_id) },
    multipleSubscriptions: row.multiple_subscriptions,
    planOrder: orUndefined(row.plan_order),
  };
}

export function toFeatureDefinition(row: Selectable<FeatureTable>): FeatureDefinition {
  return {
    id: row.id,
    displayName: row.display_name,
    description: orUndefined(row.description),
    featureType: row.feature_type,
    meterType: row.meter_type,
    unit: orUndefined(row.unit),
    unitPlural: orUndefined(row.unit_plural),
  };
}

export function toCouponDefinition(row: Selectable<CouponTable>): CouponDefinition {
  return {
    id: row.id,
    displayName: row.display_name,
    discountType: row.discount_type,
    percentOff: orUndefined(row.percent_off),
    amountsOff: orUndefined(row.amounts_off),
    durationType: row.duration_type,
    durationInMonths: orUndefined(row.duration_in_months),
  };
}

export function toMeterDefinition(row: Pick<Selectable<MeterTable>, 'id' | 'feature_id' | 'event_name' | 'filters' | 'aggregation_function' | 'aggregation_field'>): MeterDefinition {
  return {
    id: row.id,
    featureId: row.feature_id,
    eventName: row.event_name,
    filters: row.filters as MeterDefinition['filters'],
    aggregation: { function: row.aggregation_function as MeterDefinition['aggregation']['function'], field: orUndefined(row.aggregation_field) },
  };
}

const byId = <R extends { id: string; archived_at: Date | null }, T>(rows: R[], map: (row: R) => T) =>
  new Map(rows.map((row) => [row.id, { definition: map(row), archived: row.archived_at !== null }]));

// Everything of one environment's catalog, archived entries included, as the change planner needs it.
export async function loadStoredCatalog(db: DbOrTransaction, environmentId: string): Promise<StoredCatalog> {
  const newestVersions = (publishedOnly: boolean) =>
    db
      .selectFrom('package_versions')
      .distinctOn('package_id')
      .select(['package_id', 'version', 'status', 'content'])
      .where('environment_id', '=', environmentId)
      .$if(publishedOnly, (query) => query.where('status', '=', 'PUBLISHED'))
      .orderBy('package_id')
      .orderBy('version', 'desc')
      .execute();
  const [products, features, coupons, meters, packages, latestVersions, publishedVersions] = await Promise.all([
    db.selectFrom('products').selectAll().where('environment_id', '=', environmentId).execute(),
    db.selectFrom('features').selectAll().where('environment_id', '=', environmentId).execute(),
    db.selectFrom('coupons').selectAll().where('environment_id', '=', environmentId).execute(),
    db.selectFrom('meters').selectAll().where('environment_id', '=', environmentId).execute(),
    db.selectFrom('packages').selectAll().where('environment_id', '=', environmentId).execute(),
    newestVersions(false),
    newestVersions(true),
  ]);
  const latestByPackage = new Map(latestVersions.map((v) => [v.package_id, v]));
  const publishedByPackage = new Map(publishedVersions.map((v) => [v.package_id, v]));
  return {
    products: byId(products, toProductDefinition),
    features: byId(features, toFeatureDefinition),
    coupons: byId(coupons, toCouponDefinition),
    meters: byId(meters, toMeterDefinition),
    packages: new Map(
      packages.map((row): [string, StoredPackage] => {
        const latest = latestByPackage.get(row.id);
        const published = publishedByPackage.get(row.id);
        return [
          row.id,
          {
            kind: row.kind,
            productId: row.product_id,
            archived: row.archived_at !== null,
            latest: latest ? { version: latest.version, status: latest.status, content: latest.content } : null,
            published: published ? { version: published.version, content: published.content } : null,
          },
        ];
      }),
    ),
  };
}

// The live packages: each at its newest published version, or its draft when nothing is published yet.
export async function listLivePackages(db: DbOrTransaction, environmentId: string): Promise<PackageView[]> {
  const rows = await db
    .selectFrom('package_versions as v')
    .innerJoin('packages as p', (join) => join.onRef('p.environment_id', '=', 'v.environment_id').onRef('p.id', '=', 'v.package_id'))
    .distinctOn('v.package_id')
    .select(['v.package_id', 'v.version', 'v.status', 'v.content', 'p.kind'])
    .where('v.environment_id', '=', environmentId)
    .where('p.archived_at', 'is', null)
    .orderBy('v.package_id')
    .orderBy((eb) => eb.case().when('v.status', '=', 'PUBLISHED').then(0).else(1).end())
    .orderBy('v.version', 'desc')
    .execute();
  return rows.map((row) => ({ ...(row.content as PackageContent), id: row.package_id, version: row.version, status: row.status, kind: row.kind }) as PackageView);
}

export async function listLive<T extends 'products' | 'features' | 'coupons' | 'meters'>(db: DbOrTransaction, table: T, environmentId: string) {
  return db
    .selectFrom(table as 'products')
    .selectAll()
    .where('environment_id', '=', environmentId)
    .where('archived_at', 'is', null)
    .orderBy('id')
    .execute() as unknown as Promise<Selectable<import('../database').Database[T]>[]>;
}

// What a subscription request is checked against (resolveSubscriptionRequest): live packages, features, products.
export async function loadSubscriptionCatalog(db: DbOrTransaction, environmentId: string): Promise<SubscriptionCatalog> {
  const [packages, features, products] = await Promise.all([listLivePackages(db, environmentId), listLive(db, 'features', environmentId), listLive(db, 'products', environmentId)]);
  return {
    packages: new Map(packages.map((p) => [p.id, p])),
    featureIds: new Set(features.map((f) => f.id)),
    products: new Map(products.map((p) => [p.id, { multipleSubscriptions: p.multiple_subscriptions }])),
  };
}
