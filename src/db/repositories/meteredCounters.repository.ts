import { sql } from 'kysely';
import type { MeterDefinition } from '../../domain/catalog/catalogDocument';
import {
  compareText,
  type MeteredCounter,
  type MeteredCounterChange,
  type MeteredCounterUpdate,
} from '../../domain/usage/meteredCounterUpdates';
import type { UsagePeriod } from '../../domain/usage/usagePeriod';
import type { DbOrTransaction } from '../createDb';
import { PREPARED } from '../preparedStatements';
import { toMeterDefinition } from './catalogRead.repository';
import { meteredAggregateInPeriod, rememberUniqueValuesInPeriod } from './rawEvents.repository';
import { counterKeyColumns, setCounter, type CounterKey } from './usageCounters.repository';

// Key space of the per-customer metering locks (two-key advisory locks; the outbox uses 7_001).
const METERING_LOCK_SPACE = 7_002;

// Ingestion holds its customers' metering locks shared (batches never wait for each other); a change of a customer's
// usage periods takes it exclusively (lockCustomerMetering) before it rebuilds counters from the stored events, so no
// batch can count in the old period while the rebuild misses its events. Ids in a fixed order: no deadlock.
export async function holdCustomersMeteringShared(db: DbOrTransaction, environmentId: string, customerIds: readonly string[]): Promise<void> {
  const ids = [...new Set(customerIds)].sort(compareText);
  await sql`${sql.raw(PREPARED)} select pg_advisory_xact_lock_shared(${METERING_LOCK_SPACE}, hashtext(${environmentId} || '/' || id))
    from unnest(${ids}::text[]) with ordinality as ids(id, position) order by position`.execute(db);
}

// For the transaction that changes a customer's reset period or usage anchor: take it before writing counters.
export async function lockCustomerMetering(db: DbOrTransaction, environmentId: string, customerId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(${METERING_LOCK_SPACE}, hashtext(${environmentId} || '/' || ${customerId}))`.execute(db);
}

// Rebuilds a counter's period from the stored events in `window` (by default the period itself; a longer one carries
// usage not counted in a finished period into this one) plus `calculatedUsage` (the feature's reports to POST
// /v1/usage over the same window) and, for UNIQUE, remembers the values it counted; returns the value. Call it after
// lockCustomerMetering, in the transaction that sets the new period. A MAX or MIN over nothing leaves no counter at
// all (a 0 would beat every later MIN of positive values, or MAX of negative ones).
export async function rebuildMeteredCounter(
  db: DbOrTransaction,
  key: CounterKey,
  meters: readonly MeterDefinition[],
  period: UsagePeriod,
  window: UsagePeriod = period,
  calculatedUsage = 0,
): Promise<number> {
  await rememberUniqueValuesInPeriod(db, key, meters, period, window);
  const { value, contributions } = await meteredAggregateInPeriod(db, key, meters, window);
  const aggregation = meters.find((meter) => meter.featureId === key.featureId)?.aggregation.function;
  if (contributions === 0 && calculatedUsage === 0 && (aggregation === 'MAX' || aggregation === 'MIN')) {
    await db
      .deleteFrom('usage_counters')
      .where((eb) => eb.and(counterKeyColumns(key)))
      .where('period_start', '=', period.start)
      .execute();
    return 0;
  }
  return setCounter(db, key, period, value + calculatedUsage);
}

// The live meters of these features (at most one each).
export async function loadMetersOfFeatures(db: DbOrTransaction, environmentId: string, featureIds: readonly string[]): Promise<MeterDefinition[]> {
  if (featureIds.length === 0) return [];
  const rows = await db
    .selectFrom('meters')
    .selectAll()
    .where('environment_id', '=', environmentId)
    .where('feature_id', 'in', [...new Set(featureIds)])
    .where('archived_at', 'is', null)
    .execute();
  return rows.map(toMeterDefinition);
}

const counterId = (counter: MeteredCounter) => `${counter.customerId}\u0000${counter.resourceKey}\u0000${counter.featureId}`;

const periodId = (counter: MeteredCounter, periodStart: Date) => `${counterId(counter)}@${periodStart.getTime()}`;

// Inserts the UNIQUE updates' values into their periods' seen values and returns how many were new per update
// (a value seen before, or being inserted by a concurrent batch, which this one waits for, inserts nothing).
export async function countNewUniqueValues(db: DbOrTransaction, environmentId: string, updates: readonly MeteredCounterUpdate[]): Promise<(update: MeteredCounterUpdate) => number> {
  const rows = updates.flatMap((update) => (update.tally.kind === 'UNIQUE' ? update.tally.values.map((value) => ({ update, value })) : []));
  const counts = new Map<string, number>();
  if (rows.length > 0) {
    const column = <T>(pick: (row: (typeof rows)[number]) => T) => rows.map(pick);
    const result = await sql<{ customer_id: string; resource_key: string; feature_id: string; period_start: Date; new_values: number }>`${sql.raw(PREPARED)}
      with inserted as (
        insert into meter_unique_values (environment_id, customer_id, resource_key, feature_id, period_start, value)
        select ${environmentId}, * from unnest(
          ${column((r) => r.update.counter.customerId)}::text[], ${column((r) => r.update.counter.resourceKey)}::text[],
          ${column((r) => r.update.counter.featureId)}::text[], ${column((r) => r.update.period.start.toISOString())}::timestamptz[], ${column((r) => r.value)}::jsonb[])
        on conflict do nothing
        returning customer_id, resource_key, feature_id, period_start)
      select customer_id, resource_key, feature_id, period_start, count(*) as new_values from inserted group by 1, 2, 3, 4`.execute(db);
    for (const row of result.rows) {
      counts.set(periodId({ customerId: row.customer_id, resourceKey: row.resource_key, featureId: row.feature_id }, row.period_start), Number(row.new_values));
    }
  }
  return (update) => counts.get(periodId(update.counter, update.period.start)) ?? 0;
}

const NEXT_VALUE = {
  ADD: sql`usage_counters.value + excluded.value`,
  MAX: sql`greatest(usage_counters.value, excluded.value)`,
  MIN: sql`least(usage_counters.value, excluded.value)`,
} as const;

export type AppliedCounterChange = { counter: MeteredCounter; period: UsagePeriod; value: number };

// Applies the changes with one multi-row upsert per kind (one feature has one kind, so usually one statement), each
// atomic under concurrency through the rows' locks, taken in the order of `changes` (meteredCounterUpdates' order).
export async function applyMeteredCounterChanges(db: DbOrTransaction, environmentId: string, changes: readonly MeteredCounterChange[]): Promise<AppliedCounterChange[]> {
  const applied: AppliedCounterChange[] = [];
  for (const kind of ['ADD', 'MAX', 'MIN'] as const) {
    const ofKind = changes.filter((change) => change.kind === kind);
    if (ofKind.length === 0) continue;
    const column = <T>(pick: (change: MeteredCounterChange) => T) => ofKind.map(pick);
    const result = await sql<{ customer_id: string; resource_key: string; feature_id: string; period_start: Date; period_end: Date; value: number }>`${sql.raw(PREPARED)}
      insert into usage_counters (environment_id, customer_id, resource_key, feature_id, period_start, period_end, value)
      select ${environmentId}, * from unnest(
        ${column((c) => c.counter.customerId)}::text[], ${column((c) => c.counter.resourceKey)}::text[], ${column((c) => c.counter.featureId)}::text[],
        ${column((c) => c.period.start.toISOString())}::timestamptz[], ${column((c) => c.period.end.toISOString())}::timestamptz[], ${column((c) => c.amount)}::numeric[])
      on conflict (environment_id, customer_id, resource_key, feature_id, period_start)
      do update set value = ${NEXT_VALUE[kind]}, updated_at = now()
      returning customer_id, resource_key, feature_id, period_start, period_end, value`.execute(db);
    for (const row of result.rows) {
      applied.push({
        counter: { customerId: row.customer_id, resourceKey: row.resource_key, featureId: row.feature_id },
        period: { start: row.period_start, end: row.period_end },
        value: Number(row.value),
      });
    }
  }
  return applied;
}
