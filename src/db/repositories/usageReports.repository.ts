import { sql, type Transaction } from 'kysely';
import type { EntitlementGrant } from '../../domain/entitlements/effectiveEntitlements';
import type { UsagePeriod } from '../../domain/usage/usagePeriod';
import type { DbOrTransaction } from '../createDb';
import type { Database } from '../database';
import { PREPARED } from '../preparedStatements';
import { CHANGE_OUTBOX_CHANNEL } from './changeOutbox.repository';
import type { CounterKey } from './usageCounters.repository';
import type { NewMeasurement } from './usageMeasurements.repository';

// The part of a grant that decides a report's usage period and limit.
export type ReportGrant = Pick<EntitlementGrant, 'amount' | 'unlimited' | 'hasSoftLimit' | 'resetPeriod' | 'usagePeriodAnchor'>;

// Statement 1 of a usage report: key-share lock on the live customer, then the measurement (none if its idempotency
// key was seen). The lock orders the report against a recomputation of the customer's entitlements (which locks it
// for update): the recomputation either committed before, so the next statement's snapshot sees its grants, or waits
// for this transaction, so its counter rebuild sees this measurement.
export async function claimMeasurement(trx: Transaction<Database>, measurement: NewMeasurement): Promise<{ live: boolean; measurementId: string | null }> {
  const { rows } = await sql<{ live: boolean; measurement_id: string | null }>`${sql.raw(PREPARED)}
    with live as (
      select id from customers where environment_id = ${measurement.environmentId} and id = ${measurement.customerId} and archived_at is null for key share
    ), inserted as (
      insert into usage_measurements (environment_id, customer_id, resource_key, feature_id, update_behavior, value, dimensions, idempotency_key, created_at, acknowledgement)
      select ${measurement.environmentId}, id, ${measurement.resourceKey}, ${measurement.featureId}, ${measurement.updateBehavior}, ${measurement.value}::numeric,
        ${JSON.stringify(measurement.dimensions)}::jsonb, ${measurement.idempotencyKey}::text, ${measurement.createdAt}::timestamptz, '{}'::jsonb
      from live
      on conflict (environment_id, customer_id, resource_key, feature_id, idempotency_key) where idempotency_key is not null do nothing
      returning id
    )
    select exists (select from live) as live, (select id from inserted) as measurement_id`.execute(trx);
  return { live: rows[0]!.live, measurementId: rows[0]!.measurement_id };
}

// The grant a report counts against, read in its transaction after claimMeasurement: the resource's own row, else
// the customer-wide one (as checks read it).
export async function readReportGrant(db: DbOrTransaction, key: CounterKey): Promise<ReportGrant | undefined> {
  const { rows } = await sql<{ amount: number | null; unlimited: boolean; has_soft_limit: boolean; reset_period: EntitlementGrant['resetPeriod']; usage_period_anchor: Date | null }>`
    select amount, unlimited, has_soft_limit, reset_period, usage_period_anchor from effective_entitlements
    where environment_id = ${key.environmentId} and customer_id = ${key.customerId} and feature_id = ${key.featureId} and resource_key in (${key.resourceKey}, '')
    order by resource_key = ${key.resourceKey} desc limit 1`.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  return { amount: row.amount, unlimited: row.unlimited, hasSoftLimit: row.has_soft_limit, resetPeriod: row.reset_period, usagePeriodAnchor: row.usage_period_anchor?.toISOString() ?? null };
}

export type CounterUpdate = {
  key: CounterKey;
  measurementId: string;
  // The grant the period and limit were derived from: nothing is written unless it is still the one in effect.
  expectedGrant: ReportGrant | undefined;
  period: UsagePeriod;
  change: { kind: 'ADD' | 'SET'; value: number };
  // A hard limit the counter must stay within (check-and-consume), or null.
  limit: number | null;
  // The acknowledgement and the usage.updated payload, each with a `currentUsage` the counter's new value replaces.
  acknowledgement: object;
  event: { resourceId: string | null; payload: object };
  // Whether this statement wakes the change feed's listeners (a batch wakes them once, after its last report).
  notify: boolean;
};

export type CounterUpdateResult =
  | { outcome: 'STALE_GRANT' }
  | { outcome: 'OVER_LIMIT' }
  | { outcome: 'APPLIED'; value: number; position: { transactionId: bigint; id: number } };

// Statement 2 of a usage report, after claimMeasurement: checks that the grant is still in effect, moves the counter
// (within the limit, if any: the upsert's row lock orders concurrent consumers), stores the acknowledgement with the
// counter's value, appends the usage.updated event to the outbox and notifies. A stale grant writes nothing.
export async function applyCounterUpdate(trx: Transaction<Database>, update: CounterUpdate): Promise<CounterUpdateResult> {
  const { key, expectedGrant: grant, period, change, limit } = update;
  const next = change.kind === 'SET' ? sql`excluded.value` : sql`usage_counters.value + excluded.value`;
  const { rows } = await sql<{ grant_current: boolean; value: number | null; transaction_id: string | null; id: number | null }>`${sql.raw(PREPARED)}
    with grant_now as (
      select amount, unlimited, has_soft_limit, reset_period, usage_period_anchor from effective_entitlements
      where environment_id = ${key.environmentId} and customer_id = ${key.customerId} and feature_id = ${key.featureId} and resource_key in (${key.resourceKey}, '')
      order by resource_key = ${key.resourceKey} desc limit 1
    ), current_grant as (
      select ${grant === undefined}::boolean and not exists (select from grant_now)
        or ${grant !== undefined}::boolean and exists (select from grant_now where amount is not distinct from ${grant?.amount ?? null}::bigint and unlimited = ${grant?.unlimited ?? false}::boolean
          and has_soft_limit = ${grant?.hasSoftLimit ?? false}::boolean and reset_period is not distinct from ${grant?.resetPeriod ?? null}::text
          and usage_period_anchor is not distinct from ${grant?.usagePeriodAnchor ?? null}::timestamptz) as ok
    ), counter as (
      insert into usage_counters (environment_id, customer_id, resource_key, feature_id, period_start, period_end, value)
      select ${key.environmentId}, ${key.customerId}, ${key.resourceKey}, ${key.featureId}, ${period.start}::timestamptz, ${period.end}::timestamptz, ${change.value}::numeric
      from current_grant where ok
      on conflict (environment_id, customer_id, resource_key, feature_id, period_start)
      do update set value = ${next}, updated_at = now() where ${limit}::numeric is null or ${next} <= ${limit}::numeric
      returning value
    ), acknowledged as (
      update usage_measurements set acknowledgement = jsonb_set(${JSON.stringify(update.acknowledgement)}::jsonb, '{currentUsage}', to_jsonb(counter.value))
      from counter where usage_measurements.id = ${update.measurementId}::uuid
      returning usage_measurements.id
    ), appended as (
      insert into change_outbox (environment_id, event_type, customer_id, resource_id, payload)
      select ${key.environmentId}, 'usage.updated', ${key.customerId}, ${update.event.resourceId}::text, jsonb_set(${JSON.stringify(update.event.payload)}::jsonb, '{currentUsage}', to_jsonb(counter.value))
      from counter
      returning transaction_id, id
    ), notified as (
      select pg_notify(${CHANGE_OUTBOX_CHANNEL}, json_build_object('environmentId', ${key.environmentId}::text, 'lastEventId', transaction_id::text || '-' || id)::text)
      from appended where ${update.notify}::boolean
    )
    select (select ok from current_grant) as grant_current, (select value from counter) as value,
      (select transaction_id::text from appended) as transaction_id, (select id from appended) as id,
      (select count(*) from acknowledged) + (select count(*) from notified) as written`.execute(trx);
  const row = rows[0]!;
  if (!row.grant_current) return { outcome: 'STALE_GRANT' };
  if (row.value === null) return { outcome: 'OVER_LIMIT' };
  return { outcome: 'APPLIED', value: Number(row.value), position: { transactionId: BigInt(row.transaction_id!), id: Number(row.id) } };
}
