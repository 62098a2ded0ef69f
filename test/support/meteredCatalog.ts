import type { Db, DbOrTransaction } from '../../src/db/createDb';
import { catalogDocumentSchema, type CatalogDocumentInput, type MeterDefinition } from '../../src/domain/catalog/catalogDocument';
import type { ResetPeriod } from '../../src/domain/usage/usagePeriod';
import { applyCatalog } from '../../src/services/applyCatalog';

type MeterInput = Omit<MeterDefinition, 'id'> & { meterType?: 'Incremental' | 'Fluctuating' };

// A catalog of just metered features, one per meter (feature id = the meter's featureId), applied to an environment.
export async function applyMeteredCatalog(db: Db, environmentId: string, meters: readonly MeterInput[]): Promise<MeterDefinition[]> {
  const input: CatalogDocumentInput = {
    features: meters.map((meter) => ({ id: meter.featureId, displayName: meter.featureId, featureType: 'NUMBER', meterType: meter.meterType ?? 'Incremental' })),
    meters: meters.map(({ meterType: _meterType, ...meter }) => ({ ...meter, id: `meter-${meter.featureId}` })),
  };
  const catalog = catalogDocumentSchema.parse(input);
  const result = await applyCatalog(db, environmentId, catalog);
  if (!result.ok) throw new Error(`catalog refused: ${JSON.stringify(result.issues)}`);
  return catalog.meters;
}

// The materialised entitlement a subscription would give (written by hand here: only its usage period matters).
export async function giveUsagePeriod(db: DbOrTransaction, environmentId: string, customerId: string, featureId: string, resetPeriod: ResetPeriod, anchor: Date, resourceKey = '') {
  await db
    .insertInto('effective_entitlements')
    .values({
      environment_id: environmentId,
      customer_id: customerId,
      resource_key: resourceKey,
      feature_id: featureId,
      amount: 1_000_000,
      unlimited: false,
      has_soft_limit: false,
      reset_period: resetPeriod,
      usage_period_anchor: anchor,
      granted_by: ['plan-test'],
    })
    .execute();
}
