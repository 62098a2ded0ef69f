import { type Kysely, sql } from 'kysely';

// The catalog file last applied at start, per environment, so a restart does not undo what the API applied since.
// In Postgres, not the data folder: a DATABASE_URL setup may have no data folder, or several instances.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('catalog_file_applications')
    .addColumn('environment_id', 'text', (c) => c.primaryKey().references('environments.id'))
    .addColumn('file_path', 'text', (c) => c.notNull())
    .addColumn('content_digest', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('catalog_file_applications').execute();
}
