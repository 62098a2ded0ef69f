import { type Kysely, sql } from 'kysely';

// Orders the outbox by (transaction id, id) instead of a per-environment lock held until commit: a reader takes only
// rows of transactions older than every transaction still running (pg_snapshot_xmin), so it never passes a change
// that commits later, and concurrent appends (usage reports) no longer queue behind each other's commit.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table change_outbox add column transaction_id xid8 not null default pg_current_xact_id()`.execute(db);
  await db.schema.dropIndex('change_outbox_environment_id_idx').execute();
  // The stream's replay: "events of environment E after position P".
  await db.schema.createIndex('change_outbox_environment_position_idx').on('change_outbox').columns(['environment_id', 'transaction_id', 'id']).execute();
  // The change feed's read, all environments after position P; and the prune, oldest first.
  await db.schema.createIndex('change_outbox_position_idx').on('change_outbox').columns(['transaction_id', 'id']).execute();
  // The newest position the prune removed: a reader whose cursor is older may have missed events (one row at most).
  await db.schema
    .createTable('change_outbox_pruned_through')
    .addColumn('singleton', 'boolean', (c) => c.primaryKey().defaultTo(true).check(sql`singleton`))
    .addColumn('transaction_id', sql`xid8`, (c) => c.notNull())
    .addColumn('id', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('change_outbox_pruned_through').execute();
  await db.schema.dropIndex('change_outbox_position_idx').execute();
  await db.schema.dropIndex('change_outbox_environment_position_idx').execute();
  await db.schema.alterTable('change_outbox').dropColumn('transaction_id').execute();
  await db.schema.createIndex('change_outbox_environment_id_idx').on('change_outbox').columns(['environment_id', 'id']).execute();
}
