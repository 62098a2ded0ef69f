import { sql, type Transaction } from 'kysely';
import type { ChangeEvent, StoredChangeEvent } from '../../domain/changeEvent';
import type { DbOrTransaction } from '../createDb';
import type { Database } from '../database';

// Postgres NOTIFY channel told `{ environmentId, lastEventId }` when a change commits: listeners then read the outbox.
export const CHANGE_OUTBOX_CHANNEL = 'tollgate_change_outbox';
// Key space of the per-environment append lock (two-key advisory locks never meet the one-key catalog lock).
const OUTBOX_LOCK_SPACE = 7_001;

// Appends a change's events as the last step of its transaction, and returns their ids in order. The environment's
// lock, held until commit, makes ids follow commit order: a reader resuming after id N can never miss a later commit.
export async function appendChangeEvents(trx: Transaction<Database>, environmentId: string, events: readonly ChangeEvent[]): Promise<number[]> {
  if (events.length === 0) return [];
  await sql`select pg_advisory_xact_lock(${OUTBOX_LOCK_SPACE}, hashtext(${environmentId}))`.execute(trx);
  const rows = await trx
    .insertInto('change_outbox')
    .values(
      events.map((event) => ({
        environment_id: environmentId,
        event_type: event.type,
        customer_id: event.customerId,
        resource_id: event.resourceId,
        payload: JSON.stringify(event.payload),
      })),
    )
    .returning('id')
    .execute();
  const ids = rows.map((row) => row.id).sort((left, right) => left - right);
  await sql`select pg_notify(${CHANGE_OUTBOX_CHANNEL}, ${JSON.stringify({ environmentId, lastEventId: ids.at(-1) })})`.execute(trx);
  return ids;
}

// The events of one environment after a given id, oldest first.
export async function listChangeEventsAfter(db: DbOrTransaction, environmentId: string, afterId: number, limit: number): Promise<StoredChangeEvent[]> {
  const rows = await db
    .selectFrom('change_outbox')
    .selectAll()
    .where('environment_id', '=', environmentId)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(
    (row) =>
      ({
        id: row.id,
        type: row.event_type,
        customerId: row.customer_id,
        resourceId: row.resource_id,
        payload: row.payload,
        createdAt: row.created_at.toISOString(),
      }) as StoredChangeEvent,
  );
}
