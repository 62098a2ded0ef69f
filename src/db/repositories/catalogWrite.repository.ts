import { sql, type Transaction } from 'kysely';
import type { CatalogChange, PackageContent } from '../../domain/catalog/planCatalogChanges';
import type { AddonDefinition, PlanDefinition } from '../../domain/catalog/catalogDocument';
import { canonicalJson } from '../../domain/canonicalJson';
import type { Database } from '../database';

type Trx = Transaction<Database>;
const now = sql<Date>`now()`;

const ARCHIVE_TABLE = {
  product: 'products',
  feature: 'features',
  coupon: 'coupons',
  meter: 'meters',
  plan: 'packages',
  addon: 'packages',
} as const;

// Applies one planned change; the caller runs all of a document's changes in one transaction.
export async function writeCatalogChange(trx: Trx, environmentId: string, change: CatalogChange): Promise<void> {
  if (change.type === 'archive') {
    await trx
      .updateTable(ARCHIVE_TABLE[change.entity])
      .set({ archived_at: now, updated_at: now })
      .where('environment_id', '=', environmentId)
      .where('id', '=', change.id)
      .execute();
    return;
  }
  if (change.type === 'package') return writePackage(trx, environmentId, change);

  const key = { environment_id: environmentId, id: change.id };
  const common = { archived_at: null, updated_at: now };
  switch (change.entity) {
    case 'product': {
      const d = change.definition;
      const values = {
        display_name: d.displayName,
        description: d.description ?? null,
        initial_plan_id: d.customerJourney.initialPlanId ?? null,
        fallback_plan_id: d.customerJourney.fallbackPlanId ?? null,
        multiple_subscriptions: d.multipleSubscriptions,
        plan_order: d.planOrder ?? null,
      };
      await trx.insertInto('products').values({ ...key, ...values }).onConflict((oc) => oc.columns(['environment_id', 'id']).doUpdateSet({ ...values, ...common })).execute();
      return;
    }
    case 'feature': {
      const d = change.definition;
      const values = {
        display_name: d.displayName,
        description: d.description ?? null,
        feature_type: d.featureType,
        meter_type: d.meterType,
        unit: d.unit ?? null,
        unit_plural: d.unitPlural ?? null,
      };
      await trx.insertInto('features').values({ ...key, ...values }).onConflict((oc) => oc.columns(['environment_id', 'id']).doUpdateSet({ ...values, ...common })).execute();
      return;
    }
    case 'coupon': {
      const d = change.definition;
      const values = {
        display_name: d.displayName,
        discount_type: d.discountType,
        percent_off: d.percentOff ?? null,
        amounts_off: d.amountsOff ? JSON.stringify(d.amountsOff) : null,
        duration_type: d.durationType,
        duration_in_months: d.durationInMonths ?? null,
      };
      await trx.insertInto('coupons').values({ ...key, ...values }).onConflict((oc) => oc.columns(['environment_id', 'id']).doUpdateSet({ ...values, ...common })).execute();
      return;
    }
    case 'meter': {
      const d = change.definition;
      const values = {
        feature_id: d.featureId,
        event_name: d.eventName,
        filters: JSON.stringify(d.filters),
        aggregation_function: d.aggregation.function,
        aggregation_field: d.aggregation.field ?? null,
      };
      await trx.insertInto('meters').values({ ...key, ...values }).onConflict((oc) => oc.columns(['environment_id', 'id']).doUpdateSet({ ...values, ...common })).execute();
      return;
    }
  }
}

async function writePackage(trx: Trx, environmentId: string, change: Extract<CatalogChange, { type: 'package' }>): Promise<void> {
  const key = { environment_id: environmentId, id: change.id };
  if (change.packageAction === 'create') {
    await trx
      .insertInto('packages')
      .values({ ...key, kind: change.entity === 'plan' ? 'PLAN' : 'ADDON', product_id: change.definition.productId })
      .execute();
  } else {
    await trx.updateTable('packages').set({ archived_at: null, updated_at: now }).where('environment_id', '=', environmentId).where('id', '=', change.id).execute();
  }
  if (change.versionAction === 'none') return;

  const versionValues = toVersionColumns(change.content, change.status);
  let versionId: number;
  if (change.versionAction === 'insert') {
    const inserted = await trx
      .insertInto('package_versions')
      .values({ environment_id: environmentId, package_id: change.id, version: change.version, ...versionValues })
      .returning('id')
      .executeTakeFirstOrThrow();
    versionId = inserted.id;
  } else {
    const updated = await trx
      .updateTable('package_versions')
      .set(versionValues)
      .where('environment_id', '=', environmentId)
      .where('package_id', '=', change.id)
      .where('version', '=', change.version)
      .where('status', '=', 'DRAFT')
      .returning('id')
      .executeTakeFirstOrThrow();
    versionId = updated.id;
    await trx.deleteFrom('package_prices').where('package_version_id', '=', versionId).execute();
    await trx.deleteFrom('package_entitlements').where('package_version_id', '=', versionId).execute();
  }
  await insertPricesAndEntitlements(trx, versionId, change.content);
}

function toVersionColumns(content: PackageContent, status: 'DRAFT' | 'PUBLISHED') {
  const plan = content as Partial<Omit<PlanDefinition, 'id' | 'status'>>;
  const addon = content as Partial<Omit<AddonDefinition, 'id' | 'status'>>;
  return {
    status,
    display_name: content.displayName,
    description: content.description ?? null,
    pricing_type: content.pricingType,
    trial_duration: plan.trial?.duration ?? null,
    trial_unit: plan.trial?.unit ?? null,
    compatible_addon_ids: plan.compatibleAddonIds ?? [],
    max_quantity: addon.maxQuantity ?? null,
    content: canonicalJson(content),
    published_at: status === 'PUBLISHED' ? now : null,
  };
}

async function insertPricesAndEntitlements(trx: Trx, versionId: number, content: PackageContent): Promise<void> {
  const prices = content.prices.flatMap((price) => {
    const base = {
      package_version_id: versionId,
      billing_period: price.billingPeriod,
      billing_model: price.billingModel,
      feature_id: price.featureId ?? null,
      tiers_mode: price.billingModel === 'TIERED' ? (price.tiersMode ?? 'GRADUATED') : null,
    };
    const point = (p: { currency: string; amount?: number; tiers?: unknown[] }, countryCode: string | null) => ({
      ...base,
      country_code: countryCode,
      currency: p.currency,
      amount: p.amount ?? null,
      tiers: p.tiers ? JSON.stringify(p.tiers) : null,
    });
    return [point(price, null), ...(price.countryPrices ?? []).map((c) => point(c, c.countryCode))];
  });
  if (prices.length > 0) await trx.insertInto('package_prices').values(prices).execute();
  const entitlements = content.entitlements.map((e) => ({
    package_version_id: versionId,
    feature_id: e.featureId,
    value: e.value ?? null,
    usage_limit: e.usageLimit ?? null,
    is_unlimited: e.unlimited ?? false,
    has_soft_limit: e.hasSoftLimit ?? false,
    reset_period: e.resetPeriod ?? null,
  }));
  if (entitlements.length > 0) await trx.insertInto('package_entitlements').values(entitlements).execute();
}
