import type { Transaction } from 'kysely';
import {
  historyEntry,
  toHistorySnapshot,
  type SubscriptionTransition,
  type TransitionCause,
} from '../../domain/subscriptions/subscriptionHistory';
import { toSubscriptionView } from '../../domain/subscriptions/toSubscriptionView';
import type { DbOrTransaction } from '../createDb';
import type { Database, SubscriptionRow } from '../database';

// A transition as its caller knows it: the row before (null when it was just created) and after.
export type SubscriptionTransitionRecord = {
  transition: SubscriptionTransition;
  cause: TransitionCause;
  before: SubscriptionRow | null;
  after: SubscriptionRow;
};

const snapshotOf = (row: SubscriptionRow) => toHistorySnapshot(toSubscriptionView(row), row.replaced_by_id);

// Takes a transaction, never the pool: the entry commits with the change it records, or neither does.
export async function appendSubscriptionHistory(trx: Transaction<Database>, record: SubscriptionTransitionRecord): Promise<void> {
  const entry = historyEntry(record.transition, record.cause, record.before && snapshotOf(record.before), snapshotOf(record.after));
  await trx
    .insertInto('subscription_history')
    .values({
      environment_id: record.after.environment_id,
      subscription_id: record.after.id,
      transition: entry.transition,
      from_status: entry.fromStatus,
      to_status: entry.toStatus,
      cause: entry.cause.kind,
      cause_detail: entry.cause.detail,
      changes: JSON.stringify(entry.changes),
    })
    .execute();
}

// One page of a subscription's entries, oldest first, after the entry id `after` (0: from the start).
export async function listSubscriptionHistory(db: DbOrTransaction, environmentId: string, subscriptionId: string, page: { after: number; limit: number }) {
  return db
    .selectFrom('subscription_history')
    .selectAll()
    .where('environment_id', '=', environmentId)
    .where('subscription_id', '=', subscriptionId)
    .where('id', '>', page.after)
    .orderBy('id')
    .limit(page.limit)
    .execute();
}
