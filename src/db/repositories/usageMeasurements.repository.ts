import { sql } from 'kysely';
import type { UsagePeriod } from '../../domain/usage/usagePeriod';
import type { DbOrTransaction } from '../createDb';
import { counterKeyColumns, type CounterKey } from './usageCounters.repository';

export type NewMeasurement = CounterKey & {
  updateBehavior: 'DELTA' | 'SET';
  value: number;
  dimensions: Record<string, string | number | boolean>;
  idempotencyKey: string | null;
  createdAt: Date;
};

// The first acknowledgement of a report sent again with the same idempotency key.
export async function findAcknowledgement(db: DbOrTransaction, key: CounterKey, idempotencyKey: string): Promise<unknown> {
  const row = await db
    .selectFrom('usage_measurements')
    .select('acknowledgement')
    .where((eb) => eb.and(counterKeyColumns(key)))
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
  return row?.acknowledgement;
}

// A counter's value rebuilt from its log: the last SET of the period (in arrival order) plus the DELTAs after it.
export async function measuredUsageInPeriod(db: DbOrTransaction, key: CounterKey, period: UsagePeriod): Promise<number> {
  const { rows } = await sql<{ total: number | null }>`
    with reports as (
      select update_behavior, value, sequence from usage_measurements
      where environment_id = ${key.environmentId} and customer_id = ${key.customerId} and resource_key = ${key.resourceKey}
        and feature_id = ${key.featureId} and created_at >= ${period.start} and created_at < ${period.end}
    ), last_set as (
      select value, sequence from reports where update_behavior = 'SET' order by sequence desc limit 1
    )
    select coalesce((select value from last_set), 0)
      + coalesce((select sum(value) from reports where update_behavior = 'DELTA' and sequence > coalesce((select sequence from last_set), 0)), 0) as total`.execute(db);
  return Number(rows[0]?.total ?? 0);
}
