import { sql } from 'kysely';
import type { Db } from '../createDb';
import type { BillingWebhookEventTable } from '../database';

export type WebhookOutcome = NonNullable<BillingWebhookEventTable['outcome']>;
export type ReceivedWebhookEvent = { eventId: string; type: string; objectId: string | null; created: Date };

// Records the event once (a redelivery finds the first row) and returns its row as it stands.
export async function recordWebhookEvent(db: Db, event: ReceivedWebhookEvent) {
  await db
    .insertInto('billing_webhook_events')
    .values({ event_id: event.eventId, event_type: event.type, object_id: event.objectId, event_created: event.created })
    .onConflict((oc) => oc.column('event_id').doNothing())
    .execute();
  return db.selectFrom('billing_webhook_events').selectAll().where('event_id', '=', event.eventId).executeTakeFirstOrThrow();
}

// Marks the event handled, with where it went; until then a redelivery applies it again.
export async function markWebhookEventHandled(db: Db, eventId: string, outcome: WebhookOutcome, target: { environmentId: string; subscriptionId: string } | null) {
  await db
    .updateTable('billing_webhook_events')
    .set({ outcome, environment_id: target?.environmentId ?? null, subscription_id: target?.subscriptionId ?? null, handled_at: sql<Date>`now()` })
    .where('event_id', '=', eventId)
    .execute();
}
