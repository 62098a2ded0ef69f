import { sql, type Kysely } from 'kysely';

// A product's plans from the lowest tier to the highest, as the catalog lists them: the paywall's order and upgrades.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('products').addColumn('plan_order', sql`text[]`).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('products').dropColumn('plan_order').execute();
}
