import { sql } from 'kysely';
import { canonicalJson } from '../../domain/canonicalJson';
import type { DbOrTransaction } from '../createDb';

// Newest published version of each package: the one the billing provider must sell.
function latestPublished(db: DbOrTransaction, environmentId: string) {
  return db
    .selectFrom('package_versions')
    .distinctOn('package_id')
    .select(['id', 'package_id', 'version', 'display_name', 'description', 'pricing_type'])
    .where('environment_id', '=', environmentId)
    .where('status', '=', 'PUBLISHED')
    .orderBy('package_id')
    .orderBy('version', 'desc');
}

export type ProductSyncItem = {
  packageId: string;
  kind: 'PLAN' | 'ADDON';
  displayName: string;
  description: string | null;
  active: boolean;
  billingId: string | null;
  state: string;
};

export async function listProductsToSync(db: DbOrTransaction, environmentId: string): Promise<ProductSyncItem[]> {
  const rows = await db
    .selectFrom('packages as p')
    .innerJoin(latestPublished(db, environmentId).as('v'), 'v.package_id', 'p.id')
    .select(['p.id', 'p.kind', 'p.billing_id', 'p.billing_synced_state', 'p.archived_at', 'v.display_name', 'v.description', 'v.pricing_type'])
    .where('p.environment_id', '=', environmentId)
    .orderBy('p.id')
    .execute();
  return rows.flatMap((row) => {
    const active = row.archived_at === null;
    const state = canonicalJson({ name: row.display_name, description: row.description, active });
    const needsProduct = row.billing_id === null ? row.pricing_type === 'PAID' && active : row.billing_synced_state !== state;
    if (!needsProduct) return [];
    return [{ packageId: row.id, kind: row.kind, displayName: row.display_name, description: row.description, active, billingId: row.billing_id, state }];
  });
}

export async function saveProductBillingState(db: DbOrTransaction, environmentId: string, packageId: string, billingId: string, state: string) {
  await db
    .updateTable('packages')
    .set({ billing_id: billingId, billing_synced_state: state })
    .where('environment_id', '=', environmentId)
    .where('id', '=', packageId)
    .execute();
}

export async function listPricesToCreate(db: DbOrTransaction, environmentId: string) {
  return db
    .selectFrom('package_prices as pr')
    .innerJoin(latestPublished(db, environmentId).as('v'), 'v.id', 'pr.package_version_id')
    .innerJoin('packages as p', (join) => join.onRef('p.id', '=', 'v.package_id').on('p.environment_id', '=', environmentId))
    .select([
      'pr.id', 'v.package_id', 'v.version', 'p.billing_id as product_billing_id', 'pr.billing_period', 'pr.billing_model',
      'pr.feature_id', 'pr.country_code', 'pr.currency', 'pr.amount', 'pr.tiers_mode', 'pr.tiers',
    ])
    .where('pr.billing_id', 'is', null)
    .where('p.archived_at', 'is', null)
    .where('p.billing_id', 'is not', null)
    .orderBy('pr.id')
    .execute();
}

export async function savePriceBillingId(db: DbOrTransaction, priceId: number, billingId: string) {
  await db.updateTable('package_prices').set({ billing_id: billingId }).where('id', '=', priceId).execute();
}

// Prices synced earlier whose version is no longer the one on sale (or whose package is archived).
export async function listPricesToArchive(db: DbOrTransaction, environmentId: string) {
  return db
    .selectFrom('package_prices as pr')
    .innerJoin('package_versions as v', 'v.id', 'pr.package_version_id')
    .innerJoin('packages as p', (join) => join.onRef('p.id', '=', 'v.package_id').onRef('p.environment_id', '=', 'v.environment_id'))
    .leftJoin(latestPublished(db, environmentId).as('live'), 'live.id', 'v.id')
    .select(['pr.id', 'pr.billing_id'])
    .where('v.environment_id', '=', environmentId)
    .where('pr.billing_id', 'is not', null)
    .where('pr.billing_archived_at', 'is', null)
    .where((eb) => eb.or([eb('live.id', 'is', null), eb('p.archived_at', 'is not', null)]))
    .orderBy('pr.id')
    .execute();
}

export async function markPriceArchived(db: DbOrTransaction, priceId: number) {
  await db.updateTable('package_prices').set({ billing_archived_at: sql`now()` }).where('id', '=', priceId).execute();
}
