import { type Kysely, sql } from 'kysely';

// Change events appended in the transaction of the change they describe; the realtime stream reads them in id
// order per environment and resumes from the last id a client saw (Last-Event-ID).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('change_outbox')
    .addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().primaryKey())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text')
    .addColumn('resource_id', 'text')
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // "Events of environment E after id N", the stream's only read.
  await db.schema.createIndex('change_outbox_environment_id_idx').on('change_outbox').columns(['environment_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('change_outbox').execute();
}
