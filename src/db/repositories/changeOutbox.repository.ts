import { sql, type Transaction } from 'kysely';
import type { ChangeEvent, ChangeEventType, StoredChangeEvent } from '../../domain/changeEvent';
import { formatEventId, type OutboxPosition } from '../../domain/outboxPosition';
import type { Db, DbOrTransaction } from '../createDb';
import type { Database } from '../database';
import { PREPARED } from '../preparedStatements';

// Postgres NOTIFY channel told `{ environmentId, lastEventId }` when a change commits: a wake-up, listeners then read the outbox.
export const CHANGE_OUTBOX_CHANNEL = 'tollgate_change_outbox';

// Only transactions older than every running one: a row past this horizon could still be preceded by a later commit.
const committedHorizon = sql`pg_snapshot_xmin(pg_current_snapshot())`;
export const positionAfter = (after: OutboxPosition) => sql<boolean>`(transaction_id, id) > (${after.transactionId.toString()}::xid8, ${after.id}::bigint)`;

export type ChangeEventFilter = { types?: readonly ChangeEventType[]; customerId?: string };

// Appends a change's events as the last step of its transaction and returns their positions in order. No lock: the
// transaction id (column default) orders them, and readers wait for older transactions to end (see listChangeEventsAfter).
// One statement of one shape whatever the count (columns as arrays): a raw-event batch appends ~100 events, and a
// VALUES list of 500 parameters cost Postgres more to parse and plan than to insert.
export async function appendChangeEvents(trx: Transaction<Database>, environmentId: string, events: readonly ChangeEvent[]): Promise<OutboxPosition[]> {
  if (events.length === 0) return [];
  const column = <T>(pick: (event: ChangeEvent) => T) => events.map(pick);
  const { rows } = await sql<{ transaction_id: string; id: number | string }>`${sql.raw(PREPARED)}
    insert into change_outbox (environment_id, event_type, customer_id, resource_id, payload)
    select ${environmentId}, event_type, customer_id, resource_id, payload
    from unnest(${column((e) => e.type)}::text[], ${column((e) => e.customerId)}::text[], ${column((e) => e.resourceId)}::text[], ${column((e) => JSON.stringify(e.payload))}::jsonb[])
      with ordinality as e(event_type, customer_id, resource_id, payload, position)
    order by position
    returning transaction_id, id`.execute(trx);
  const positions = rows.map((row) => ({ transactionId: BigInt(row.transaction_id), id: Number(row.id) })).sort((left, right) => left.id - right.id);
  await notifyChangeOutbox(trx, environmentId, positions.at(-1)!);
  return positions;
}

// Wakes every process's change feed once the transaction commits: events up to `last` are in the outbox.
export async function notifyChangeOutbox(trx: Transaction<Database>, environmentId: string, last: OutboxPosition): Promise<void> {
  await sql`${sql.raw(PREPARED)} select pg_notify(${CHANGE_OUTBOX_CHANNEL}, ${JSON.stringify({ environmentId, lastEventId: formatEventId(last) })})`.execute(trx);
}

type OutboxRow = {
  environment_id: string;
  transaction_id: string;
  id: number | string;
  event_type: ChangeEventType;
  customer_id: string | null;
  resource_id: string | null;
  payload: unknown;
  created_at: Date;
};

export function toStoredChangeEvent(row: OutboxRow): StoredChangeEvent {
  return {
    environmentId: row.environment_id,
    position: { transactionId: BigInt(row.transaction_id), id: Number(row.id) },
    type: row.event_type,
    customerId: row.customer_id,
    resourceId: row.resource_id,
    payload: row.payload,
    createdAt: row.created_at.toISOString(),
  } as StoredChangeEvent;
}

// The committed events of one environment after a position, oldest first. A customer filter keeps the events of no
// customer (a published package concerns every customer).
export async function listChangeEventsAfter(
  db: DbOrTransaction,
  environmentId: string,
  after: OutboxPosition,
  limit: number,
  filter: ChangeEventFilter = {},
): Promise<StoredChangeEvent[]> {
  const rows = await db
    .selectFrom('change_outbox')
    .selectAll()
    .where('environment_id', '=', environmentId)
    .where(positionAfter(after))
    .where(sql<boolean>`transaction_id < ${committedHorizon}`)
    .$if(filter.types !== undefined, (query) => query.where('event_type', 'in', filter.types!))
    .$if(filter.customerId !== undefined, (query) => query.where((eb) => eb.or([eb('customer_id', '=', filter.customerId!), eb('customer_id', 'is', null)])))
    .orderBy('transaction_id')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toStoredChangeEvent);
}

// How many committed events listChangeEventsAfter would return, counting no further than `atMost`.
export async function countChangeEventsAfter(db: Db, environmentId: string, after: OutboxPosition, atMost: number, filter: ChangeEventFilter = {}): Promise<number> {
  const row = await db
    .selectFrom((qb) =>
      qb
        .selectFrom('change_outbox')
        .select('id')
        .where('environment_id', '=', environmentId)
        .where(positionAfter(after))
        .where(sql<boolean>`transaction_id < ${committedHorizon}`)
        .$if(filter.types !== undefined, (query) => query.where('event_type', 'in', filter.types!))
        .$if(filter.customerId !== undefined, (query) => query.where((eb) => eb.or([eb('customer_id', '=', filter.customerId!), eb('customer_id', 'is', null)])))
        .limit(atMost)
        .as('found'),
    )
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

// Why a reader cannot resume after a position: events after it were pruned, or it lies beyond anything handed out.
export async function findResumeGap(db: Db, after: OutboxPosition): Promise<'pruned' | 'unknown' | undefined> {
  const { rows } = await sql<{ pruned: boolean | null; ahead: boolean }>`
    select coalesce((select ${positionAfter(after)} from change_outbox_pruned_through), false) as pruned,
           ${after.transactionId.toString()}::xid8 > ${committedHorizon} as ahead`.execute(db);
  return rows[0]!.pruned ? 'pruned' : rows[0]!.ahead ? 'unknown' : undefined;
}

// Deletes the oldest committed events created before `before`, up to `limit` of them, and records how far it went.
// Only a prefix of the stream's order goes, so "resuming after P" is complete exactly when P is at or past that record.
export async function pruneChangeOutbox(db: Db, before: Date, limit: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const oldestFirst = (count: number) =>
      trx
        .selectFrom('change_outbox')
        .select(['transaction_id', 'id', 'created_at'])
        .where(sql<boolean>`transaction_id < ${committedHorizon}`)
        .orderBy('transaction_id')
        .orderBy('id')
        .limit(count)
        .execute();
    // The usual round finds nothing due: one row tells.
    const [first] = await oldestFirst(1);
    if (!first || first.created_at >= before) return 0;
    const oldest = await oldestFirst(limit);
    const firstKept = oldest.findIndex((row) => row.created_at >= before);
    const last = oldest[(firstKept === -1 ? oldest.length : firstKept) - 1];
    if (!last) return 0;
    const through = sql`(${last.transaction_id}::xid8, ${last.id}::bigint)`;
    const deleted = await trx.deleteFrom('change_outbox').where(sql<boolean>`(transaction_id, id) <= ${through}`).executeTakeFirst();
    await sql`
      insert into change_outbox_pruned_through (transaction_id, id) values (${last.transaction_id}::xid8, ${last.id})
      on conflict (singleton) do update set transaction_id = excluded.transaction_id, id = excluded.id
      where (change_outbox_pruned_through.transaction_id, change_outbox_pruned_through.id) < (excluded.transaction_id, excluded.id)`.execute(trx);
    return Number(deleted.numDeletedRows);
  });
}
