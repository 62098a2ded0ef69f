import { type Kysely, sql } from 'kysely';

// Ties an Idempotency-Key to the workflow run it started, so a retry after a crash awaits that run instead
// of starting another; and records which requests a workflow applied, so a second run never applies one twice.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('idempotent_requests').addColumn('workflow_id', 'text').addColumn('workflow_run_id', 'text').execute();

  await db.schema
    .createTable('applied_requests')
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('request_key', 'text', (c) => c.notNull())
    // What the request's change left behind, answered again to a second run of the same request.
    .addColumn('outcome', 'jsonb')
    .addColumn('applied_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('applied_requests_pk', ['environment_id', 'request_key'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('applied_requests').execute();
  await db.schema.alterTable('idempotent_requests').dropColumn('workflow_run_id').dropColumn('workflow_id').execute();
}
