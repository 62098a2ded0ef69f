import type pg from 'pg';
import type { StoredChangeEvent } from '../../domain/changeEvent';
import type { OutboxPosition } from '../../domain/outboxPosition';
import { toStoredChangeEvent } from './changeOutbox.repository';

// The change feed's reads, on its own connection (a pg Client, not the pool), across every environment.

// What one read saw: the committed events after the cursor, and the snapshot's bounds. Every transaction below
// `horizon` (xmin) has ended; every transaction that had committed when the read began is below `nextTransaction` (xmax).
export type FeedBatch = { events: StoredChangeEvent[]; horizon: bigint; nextTransaction: bigint };

const READ_AFTER = `
  select pg_snapshot_xmin(s.snapshot)::text as horizon, pg_snapshot_xmax(s.snapshot)::text as next_transaction,
         o.environment_id, o.transaction_id::text as transaction_id, o.id, o.event_type, o.customer_id, o.resource_id, o.payload, o.created_at
  from (select pg_current_snapshot() as snapshot) s
  left join lateral (
    select * from change_outbox
    where (transaction_id, id) > ($1::xid8, $2::bigint) and transaction_id < pg_snapshot_xmin(s.snapshot)
    order by transaction_id, id
    limit $3
  ) o on true
  order by o.transaction_id, o.id`;

export async function readOutboxAfter(client: pg.ClientBase, after: OutboxPosition, limit: number): Promise<FeedBatch> {
  const { rows } = await client.query(READ_AFTER, [after.transactionId.toString(), after.id, limit]);
  const first = rows[0] as { horizon: string; next_transaction: string };
  return {
    events: rows.filter((row) => row.id !== null).map(toStoredChangeEvent),
    horizon: BigInt(first.horizon),
    nextTransaction: BigInt(first.next_transaction),
  };
}

// The position a reader starts from to see only what commits from now on (everything older has ended).
export async function outboxTail(client: pg.ClientBase): Promise<OutboxPosition> {
  const { rows } = await client.query(`select pg_snapshot_xmin(pg_current_snapshot())::text as horizon`);
  return { transactionId: BigInt((rows[0] as { horizon: string }).horizon), id: 0 };
}

// True when the prune removed events after this position: a reader resuming there would miss them.
export async function prunedPast(client: pg.ClientBase, after: OutboxPosition): Promise<boolean> {
  const { rows } = await client.query(`select (transaction_id, id) > ($1::xid8, $2::bigint) as pruned from change_outbox_pruned_through`, [
    after.transactionId.toString(),
    after.id,
  ]);
  return (rows[0] as { pruned: boolean } | undefined)?.pruned ?? false;
}
