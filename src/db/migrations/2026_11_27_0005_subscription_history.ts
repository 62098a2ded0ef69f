import { type Kysely, sql } from 'kysely';

// Each subscription's transitions, appended in the transaction that makes them. Append-only: a trigger refuses
// UPDATE and DELETE, so no code path (nor a hand-typed query) can rewrite what happened.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('subscription_history')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('environment_id', 'text', (c) => c.notNull())
    .addColumn('subscription_id', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // Not checked here: the kinds grow with the code (src/domain/subscriptions/subscriptionHistory.ts).
    .addColumn('transition', 'text', (c) => c.notNull())
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('cause', 'text', (c) => c.notNull().check(sql`cause in ('API', 'TIMER', 'WEBHOOK', 'PROVIDER_POLL', 'SYSTEM')`))
    .addColumn('cause_detail', 'text')
    .addColumn('changes', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addForeignKeyConstraint('subscription_history_subscription_fk', ['environment_id', 'subscription_id'], 'subscriptions', ['environment_id', 'id'])
    .execute();
  // The read: one subscription's entries in order.
  await db.schema.createIndex('subscription_history_subscription_idx').on('subscription_history').columns(['environment_id', 'subscription_id', 'id']).execute();
  await sql`create function subscription_history_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'subscription_history is append-only: % refused', tg_op using errcode = 'restrict_violation';
    end $$`.execute(db);
  await sql`create trigger subscription_history_append_only before update or delete on subscription_history
    for each row execute function subscription_history_refuse_change()`.execute(db);
  await sql`create trigger subscription_history_no_truncate before truncate on subscription_history
    for each statement execute function subscription_history_refuse_change()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('subscription_history').execute();
  await sql`drop function subscription_history_refuse_change()`.execute(db);
}
