import { sql } from 'kysely';
import type { UsagePeriod } from '../../domain/usage/usagePeriod';
import type { DbOrTransaction } from '../createDb';

// One usage counter: a (customer, resource, feature) in one usage period. resourceKey is the resource id or ''.
export type CounterKey = { environmentId: string; customerId: string; resourceKey: string; featureId: string };

// The four columns that name a counter, as a filter every table keyed by them takes: `.where((eb) => eb.and(counterKeyColumns(key)))`.
export const counterKeyColumns = (key: CounterKey) => ({ environment_id: key.environmentId, customer_id: key.customerId, resource_key: key.resourceKey, feature_id: key.featureId });

// How a report moves a counter: add to it, set it, or keep the greater or smaller value (MAX and MIN meters).
export type CounterChange = { kind: 'ADD' | 'SET' | 'MAX' | 'MIN'; value: number };

const NEXT_VALUE = {
  ADD: sql<number>`usage_counters.value + excluded.value`,
  SET: sql<number>`excluded.value`,
  MAX: sql<number>`greatest(usage_counters.value, excluded.value)`,
  MIN: sql<number>`least(usage_counters.value, excluded.value)`,
} as const;

// Applies a change in one statement, atomic under concurrency (the row lock of the upsert), and returns the value.
export async function applyToCounter(db: DbOrTransaction, key: CounterKey, period: UsagePeriod, change: CounterChange): Promise<number> {
  const row = await db
    .insertInto('usage_counters')
    .values({
      environment_id: key.environmentId,
      customer_id: key.customerId,
      resource_key: key.resourceKey,
      feature_id: key.featureId,
      period_start: period.start,
      period_end: period.end,
      value: change.value,
    })
    .onConflict((conflict) =>
      conflict
        .columns(['environment_id', 'customer_id', 'resource_key', 'feature_id', 'period_start'])
        .doUpdateSet({ value: NEXT_VALUE[change.kind], updated_at: sql`now()` }),
    )
    .returning('value')
    .executeTakeFirstOrThrow();
  return row.value;
}

// Replaces a counter's value with one rebuilt from its log (after a change of reset period or anchor).
export async function setCounter(db: DbOrTransaction, key: CounterKey, period: UsagePeriod, value: number): Promise<number> {
  return applyToCounter(db, key, period, { kind: 'SET', value });
}

// The counter's value in a period; 0 before any usage.
export async function counterValue(db: DbOrTransaction, key: CounterKey, period: UsagePeriod): Promise<number> {
  const row = await db
    .selectFrom('usage_counters')
    .select('value')
    .where((eb) => eb.and(counterKeyColumns(key)))
    .where('period_start', '=', period.start)
    .executeTakeFirst();
  return row?.value ?? 0;
}

// A (customer, resource, feature)'s periods, newest first, for the usage history.
export async function counterHistory(db: DbOrTransaction, key: CounterKey, limit: number) {
  return db
    .selectFrom('usage_counters')
    .select(['period_start', 'period_end', 'value', 'updated_at'])
    .where((eb) => eb.and(counterKeyColumns(key)))
    .orderBy('period_start', 'desc')
    .limit(limit)
    .execute();
}
