import type { Kysely } from 'kysely';

// A migration to the plan's latest version asked for END_OF_BILLING_PERIOD: the subscription's workflow migrates it then.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('subscriptions').addColumn('migration_date', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('subscriptions').dropColumn('migration_date').execute();
}
