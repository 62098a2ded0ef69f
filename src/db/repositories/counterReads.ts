import type { UsagePeriod } from '../../domain/usage/usagePeriod';
import type { Db } from '../createDb';
import { preparedQuery } from '../preparedQuery';
import type { CounterKey } from './usageCounters.repository';

// Most counters one statement reads; more wait for the next.
const MAX_BATCH = 200;

type Waiting = { key: CounterKey; period: UsagePeriod; resolve: (value: number) => void; reject: (error: unknown) => void };
type Batcher = { waiting: Waiting[]; scheduled: boolean };

const batchers = new WeakMap<Db, Batcher>();
const idOf = (environmentId: string, customerId: string, resourceKey: string, featureId: string, periodStart: Date) =>
  `${environmentId}\u0000${customerId}\u0000${resourceKey}\u0000${featureId}\u0000${periodStart.getTime()}`;

// The value of a usage counter in a period (0 before any usage), read with the other counter reads asked for in the
// same turn of the event loop: one statement for all of them. Still a fresh read: a statement is sent only after every
// read it answers was asked for, so it sees every usage acknowledged before any of them was.
export function readCounterValue(db: Db, key: CounterKey, period: UsagePeriod): Promise<number> {
  let batcher = batchers.get(db);
  if (!batcher) batchers.set(db, (batcher = { waiting: [], scheduled: false }));
  const read = new Promise<number>((resolve, reject) => batcher.waiting.push({ key, period, resolve, reject }));
  if (!batcher.scheduled) {
    batcher.scheduled = true;
    setImmediate(() => sendBatches(db, batcher));
  }
  return read;
}

function sendBatches(db: Db, batcher: Batcher): void {
  const waiting = batcher.waiting;
  batcher.waiting = [];
  batcher.scheduled = false;
  for (let from = 0; from < waiting.length; from += MAX_BATCH) void answer(db, waiting.slice(from, from + MAX_BATCH));
}

async function answer(db: Db, reads: Waiting[]): Promise<void> {
  const column = <T>(pick: (read: Waiting) => T) => reads.map(pick);
  try {
    const rows = await preparedQuery<{ environment_id: string; customer_id: string; resource_key: string; feature_id: string; period_start: Date; value: number }>(
      db,
      'usage_counter_values',
      `select c.environment_id, c.customer_id, c.resource_key, c.feature_id, c.period_start, c.value
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) as k(environment_id, customer_id, resource_key, feature_id, period_start)
       join usage_counters c using (environment_id, customer_id, resource_key, feature_id, period_start)`,
      [
        column((r) => r.key.environmentId),
        column((r) => r.key.customerId),
        column((r) => r.key.resourceKey),
        column((r) => r.key.featureId),
        column((r) => r.period.start.toISOString()),
      ],
    );
    const values = new Map(rows.map((row) => [idOf(row.environment_id, row.customer_id, row.resource_key, row.feature_id, row.period_start), row.value]));
    for (const { key, period, resolve } of reads) resolve(values.get(idOf(key.environmentId, key.customerId, key.resourceKey, key.featureId, period.start)) ?? 0);
  } catch (error) {
    for (const { reject } of reads) reject(error);
  }
}
