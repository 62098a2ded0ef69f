import { sql } from 'kysely';
import type { MeterType } from '../../domain/usage/counterPeriod';
import type { MeteredCounter, MeteredFeature, UsagePeriodSetting } from '../../domain/usage/meteredCounterUpdates';
import type { RawEvent } from '../../domain/usage/rawEventInput';
import type { DbOrTransaction } from '../createDb';
import { PREPARED } from '../preparedStatements';
import { toMeterDefinition } from './catalogRead.repository';

export type StoredRawEventBatch = {
  // The events that were new, each the first copy sent of its dedupe key.
  stored: RawEvent[];
  // The live meters of the new events' names, each with its feature's meter type.
  features: MeteredFeature[];
  // The usage period setting of a counter of a new event's (customer, resource) and an incremental metered feature:
  // the resource's own entitlement, else the customer-wide one (as checks read them); undefined → never resets.
  usagePeriodSettingOf: (counter: MeteredCounter) => UsagePeriodSetting | undefined;
};

type MeterRow = { id: string; feature_id: string; event_name: string; filters: unknown[]; aggregation_function: string; aggregation_field: string | null; meter_type: MeterType };
type SettingRow = { customer_id: string; resource_key: string; feature_id: string; reset_period: UsagePeriodSetting['resetPeriod']; usage_period_anchor: string | null };

// The dedupe key in bytewise order: the same for every batch, and cheaper than the database's own collation.
const bytewiseKey = sql.raw('c collate "C", r collate "C", n collate "C", k collate "C"');

const counterId = (customerId: string, resourceKey: string, featureId: string) => `${customerId}\u0000${resourceKey}\u0000${featureId}`;

// Stores a batch of raw events and reads what counting the new ones needs, in one statement: the first copy of each
// dedupe key is inserted (a copy already stored, or being stored by a concurrent batch, which it waits for, inserts
// nothing), in one fixed order (by key, bytewise) so that concurrent batches sharing keys lock them in the same order;
// then the meters of the new events' names and their counters' usage period settings. Call it after
// holdCustomersMeteringShared: the statement's snapshot then sees every usage period change that batch waited for.
export async function storeRawEventBatch(db: DbOrTransaction, environmentId: string, events: readonly RawEvent[]): Promise<StoredRawEventBatch> {
  if (events.length === 0) return { stored: [], features: [], usagePeriodSettingOf: () => undefined };
  // The batch as one JSON document: one native stringify, no escaping per array element.
  const rows = JSON.stringify(events.map((e, i) => ({ i, c: e.customerId, r: e.resourceKey, n: e.eventName, k: e.idempotencyKey, d: e.dimensions, t: e.timestamp.toISOString() })));
  const result = await sql<{ new_positions: string | null; meters: MeterRow[] | null; settings: SettingRow[] | null }>`${sql.raw(PREPARED)}
    with input as (
      select * from jsonb_to_recordset(${rows}::jsonb) as e(i int, c text, r text, n text, k text, d jsonb, t timestamptz)),
    first_copies as (select distinct on (${bytewiseKey}) * from input order by ${bytewiseKey}, i),
    inserted as (
      insert into raw_events (environment_id, customer_id, resource_key, event_name, idempotency_key, dimensions, timestamp)
      select ${environmentId}, c, r, n, k, d, t from first_copies order by ${bytewiseKey}
      on conflict do nothing
      returning customer_id, resource_key, event_name, idempotency_key),
    new_events as (
      select first_copies.i, first_copies.c, first_copies.r, first_copies.n from first_copies join inserted
        on inserted.customer_id = first_copies.c and inserted.resource_key = first_copies.r
        and inserted.event_name = first_copies.n and inserted.idempotency_key = first_copies.k),
    metered as (
      select meters.id, meters.feature_id, meters.event_name, meters.filters, meters.aggregation_function, meters.aggregation_field, features.meter_type
      from meters join features on features.environment_id = meters.environment_id and features.id = meters.feature_id
      where meters.environment_id = ${environmentId} and meters.archived_at is null and meters.event_name in (select n from new_events)),
    settings as (
      select customer_id, resource_key, feature_id, reset_period, usage_period_anchor from effective_entitlements
      where environment_id = ${environmentId} and feature_id in (select feature_id from metered where meter_type = 'Incremental')
        and (customer_id, resource_key) in (select c, r from new_events union select c, '' from new_events))
    select (select string_agg(i::text, ',') from new_events) as new_positions,
      (select json_agg(metered order by id) from metered) as meters,
      (select json_agg(settings) from settings) as settings`.execute(db);
  const { new_positions: positions, meters, settings } = result.rows[0]!;
  const settingById = new Map<string, UsagePeriodSetting>();
  for (const row of settings ?? []) {
    const anchor = row.usage_period_anchor === null ? null : new Date(row.usage_period_anchor);
    settingById.set(counterId(row.customer_id, row.resource_key, row.feature_id), { resetPeriod: row.reset_period, usagePeriodAnchor: anchor });
  }
  return {
    stored: positions === null ? [] : positions.split(',').map((position) => events[Number(position)]!),
    features: (meters ?? []).map((row) => ({ meter: toMeterDefinition(row), meterType: row.meter_type })),
    usagePeriodSettingOf: ({ customerId, resourceKey, featureId }) => settingById.get(counterId(customerId, resourceKey, featureId)) ?? settingById.get(counterId(customerId, '', featureId)),
  };
}
