import { sql } from 'kysely';
import type { MeterDefinition } from '../../domain/catalog/catalogDocument';
import type { UsagePeriod } from '../../domain/usage/usagePeriod';
import type { DbOrTransaction } from '../createDb';
import { meterAggregate, meterContributions, meterFiltersCondition } from './meterSql';
import type { CounterKey } from './usageCounters.repository';

// The counter's usage in [period.start, period.end), computed in SQL from the stored events with the feature's meter
// (the same rules as live ingestion): how a counter is rebuilt when its period changes, e.g. at a first subscription,
// which is how events sent before the customer existed come to count in its period. 0 without a meter.
export async function meteredUsageInPeriod(db: DbOrTransaction, key: CounterKey, meters: readonly MeterDefinition[], period: UsagePeriod): Promise<number> {
  return (await meteredAggregateInPeriod(db, key, meters, period)).value;
}

// The usage, and how many events made it (0: nothing to count, which for MAX and MIN means no value at all).
export async function meteredAggregateInPeriod(db: DbOrTransaction, key: CounterKey, meters: readonly MeterDefinition[], period: UsagePeriod) {
  const meter = meters.find((candidate) => candidate.featureId === key.featureId);
  if (!meter) return { value: 0, contributions: 0 };
  const result = await sql<{ value: number | string; contributions: number | string }>`
    select ${meterAggregate(meter)} as value, ${meterContributions(meter)} as contributions from raw_events
    where environment_id = ${key.environmentId} and customer_id = ${key.customerId} and resource_key = ${key.resourceKey}
      and event_name = ${meter.eventName} and timestamp >= ${period.start.toISOString()}::timestamptz and timestamp < ${period.end.toISOString()}::timestamptz
      and ${meterFiltersCondition(meter)}`.execute(db);
  const row = result.rows[0];
  return { value: Number(row?.value ?? 0), contributions: Number(row?.contributions ?? 0) };
}

// Records, for a UNIQUE meter, the values of the events in `window` as counted in `period` (by default its own
// window), so that live ingestion after a rebuild adds only values the period has not counted. Other meters need nothing.
export async function rememberUniqueValuesInPeriod(
  db: DbOrTransaction,
  key: CounterKey,
  meters: readonly MeterDefinition[],
  period: UsagePeriod,
  window: UsagePeriod = period,
): Promise<void> {
  const meter = meters.find((candidate) => candidate.featureId === key.featureId);
  if (meter?.aggregation.function !== 'UNIQUE' || !meter.aggregation.field) return;
  await sql`
    insert into meter_unique_values (environment_id, customer_id, resource_key, feature_id, period_start, value)
    select distinct ${key.environmentId}, ${key.customerId}, ${key.resourceKey}, ${key.featureId}, ${period.start.toISOString()}::timestamptz,
      raw_events.dimensions -> ${meter.aggregation.field}::text
    from raw_events
    where environment_id = ${key.environmentId} and customer_id = ${key.customerId} and resource_key = ${key.resourceKey}
      and event_name = ${meter.eventName} and timestamp >= ${window.start.toISOString()}::timestamptz and timestamp < ${window.end.toISOString()}::timestamptz
      and raw_events.dimensions ? ${meter.aggregation.field}::text and ${meterFiltersCondition(meter)}
    on conflict do nothing`.execute(db);
}
