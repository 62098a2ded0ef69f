import type { Transaction } from 'kysely';
import type { ChangeEvent } from '../../domain/changeEvent';
import type { EntitlementGrant } from '../../domain/entitlements/effectiveEntitlements';
import { materialiseEntitlements, sameEntitlements } from '../../domain/entitlements/materialiseEntitlements';
import { counterPeriod, type MeterType, NEVER_RESETS } from '../../domain/usage/counterPeriod';
import type { UsagePeriod } from '../../domain/usage/usagePeriod';
import type { Database } from '../database';
import { loadLiveGrants, loadStoredEntitlements, replaceEntitlements } from '../repositories/effectiveEntitlements.repository';
import { loadMetersOfFeatures, lockCustomerMetering, rebuildMeteredCounter } from '../repositories/meteredCounters.repository';
import { counterKeyColumns, type CounterKey, setCounter } from '../repositories/usageCounters.repository';
import { measuredUsageInPeriod } from '../repositories/usageMeasurements.repository';

type Trx = Transaction<Database>;

// Recomputes a customer's effective entitlements inside the transaction of the change that affects them, stores
// what changed, and tells listeners. A metered feature whose usage period moved (a new reset period or anchor, or
// a first entitlement) gets its current counter rebuilt from the usage log, so usage reported earlier counts there.
export async function recomputeEffectiveEntitlements(trx: Trx, environmentId: string, customerId: string, now: Date): Promise<ChangeEvent[]> {
  // Usage reports hold a key-share lock on the customer (their foreign key): rebuilt counters see every acknowledged one.
  await trx.selectFrom('customers').select('id').where('environment_id', '=', environmentId).where('id', '=', customerId).forUpdate().execute();
  const [live, stored] = await Promise.all([loadLiveGrants(trx, environmentId, customerId), loadStoredEntitlements(trx, environmentId, customerId)]);
  const next = materialiseEntitlements(live);
  const events: ChangeEvent[] = [];
  const moved: { resourceKey: string; grant: EntitlementGrant }[] = [];
  for (const resourceKey of new Set([...stored.keys(), ...next.keys()])) {
    const before = stored.get(resourceKey) ?? [];
    const after = next.get(resourceKey) ?? [];
    if (sameEntitlements(before, after)) continue;
    await replaceEntitlements(trx, environmentId, customerId, resourceKey, after);
    events.push({ type: 'entitlements.updated', customerId, resourceId: resourceKey === '' ? null : resourceKey, payload: { entitlements: after } });
    const previous = new Map(before.map((grant) => [grant.featureId, grant]));
    for (const grant of after) {
      const old = previous.get(grant.featureId);
      if (old?.resetPeriod !== grant.resetPeriod || old?.usagePeriodAnchor !== grant.usagePeriodAnchor) moved.push({ resourceKey, grant });
    }
  }
  await rebuildCounters(trx, environmentId, customerId, moved, now);
  return events;
}

async function rebuildCounters(trx: Trx, environmentId: string, customerId: string, moved: { resourceKey: string; grant: EntitlementGrant }[], now: Date): Promise<void> {
  if (moved.length === 0) return;
  const featureIds = moved.map(({ grant }) => grant.featureId);
  const [meterTypes, meters] = await Promise.all([featureMeterTypes(trx, environmentId, featureIds), loadMetersOfFeatures(trx, environmentId, featureIds)]);
  // Raw events have no foreign key to hold the customer: batches in flight finish first, later ones see the new period.
  if (meters.length > 0) await lockCustomerMetering(trx, environmentId, customerId);
  for (const { resourceKey, grant } of moved) {
    const meterType = meterTypes.get(grant.featureId) ?? 'None';
    if (meterType === 'None') continue;
    const period = counterPeriod({ meterType, resetPeriod: grant.resetPeriod, usagePeriodAnchor: grant.usagePeriodAnchor ? new Date(grant.usagePeriodAnchor) : null }, now);
    const key = { environmentId, customerId, resourceKey, featureId: grant.featureId };
    const window = { start: await endOfLastCountedPeriod(trx, key, period), end: period.end };
    const measured = await measuredUsageInPeriod(trx, key, window);
    // A feature with a meter also counts its raw events, those sent before the customer existed included.
    if (meters.some((meter) => meter.featureId === grant.featureId)) await rebuildMeteredCounter(trx, key, meters, period, window, measured);
    else await setCounter(trx, key, period, measured);
  }
}

// Usage not counted in a finished period of an entitlement counts in the current one: what was reported before the
// customer's first subscription (or before the customer existed), or during a gap between subscriptions; on a plan
// change mid-period the usage since the last finished period carries over instead of starting from zero.
async function endOfLastCountedPeriod(trx: Trx, key: CounterKey, period: UsagePeriod): Promise<Date> {
  const row = await trx
    .selectFrom('usage_counters')
    .select((eb) => eb.fn.max('period_end').as('end'))
    .where((eb) => eb.and(counterKeyColumns(key)))
    .where('period_start', '!=', NEVER_RESETS.start)
    .where('period_end', '<=', period.start)
    .executeTakeFirst();
  return row?.end ? new Date(row.end) : NEVER_RESETS.start;
}

async function featureMeterTypes(trx: Trx, environmentId: string, featureIds: string[]): Promise<Map<string, MeterType>> {
  const rows = await trx.selectFrom('features').select(['id', 'meter_type']).where('environment_id', '=', environmentId).where('id', 'in', featureIds).execute();
  return new Map(rows.map((row) => [row.id, row.meter_type as MeterType]));
}
