import { sql } from 'kysely';
import type { MeterDefinition } from '../../domain/catalog/catalogDocument';
import type { RawEvent } from '../../domain/usage/rawEventInput';
import type { UsagePeriod } from '../../domain/usage/usagePeriod';
import type { DbOrTransaction } from '../createDb';
import { meterAggregate, meterContributions, meterFiltersCondition } from './meterSql';
import type { CounterKey } from './usageCounters.repository';

// NUL separates the parts: input text never contains it (refused at the edge), so keys cannot run into each other.
const dedupeKey = (event: Pick<RawEvent, 'customerId' | 'resourceKey' | 'eventName' | 'idempotencyKey'>) =>
  `${event.customerId}\u0000${event.resourceKey}\u0000${event.eventName}\u0000${event.idempotencyKey}`;

// Stores the events in one statement and returns those that were new; a copy of an event already stored (or being
// stored by a concurrent request, which it waits for) inserts nothing. The caller passes each dedupe key once, in
// a fixed order, so that concurrent batches sharing keys take their row locks in the same order.
export async function insertNewRawEvents(db: DbOrTransaction, environmentId: string, events: readonly RawEvent[]): Promise<RawEvent[]> {
  if (events.length === 0) return [];
  // The batch as one JSON document: one native stringify, no escaping per array element, and rows come out in order.
  const rows = JSON.stringify(events.map((e) => ({ c: e.customerId, r: e.resourceKey, n: e.eventName, k: e.idempotencyKey, d: e.dimensions, t: e.timestamp.toISOString() })));
  const inserted = await sql<{ customer_id: string; resource_key: string; event_name: string; idempotency_key: string }>`
    insert into raw_events (environment_id, customer_id, resource_key, event_name, idempotency_key, dimensions, timestamp)
    select ${environmentId}, e.c, e.r, e.n, e.k, e.d, e.t
    from jsonb_to_recordset(${rows}::jsonb) as e(c text, r text, n text, k text, d jsonb, t timestamptz)
    on conflict do nothing
    returning customer_id, resource_key, event_name, idempotency_key`.execute(db);
  const isNew = new Set(
    inserted.rows.map((row) => dedupeKey({ customerId: row.customer_id, resourceKey: row.resource_key, eventName: row.event_name, idempotencyKey: row.idempotency_key })),
  );
  return events.filter((event) => isNew.has(dedupeKey(event)));
}

// One copy of each dedupe key (the first sent), in the order insertNewRawEvents needs.
export function distinctInLockOrder(events: readonly RawEvent[]): RawEvent[] {
  const first = new Map<string, RawEvent>();
  for (const event of events) {
    const key = dedupeKey(event);
    if (!first.has(key)) first.set(key, event);
  }
  return [...first.entries()].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0)).map(([, event]) => event);
}

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
