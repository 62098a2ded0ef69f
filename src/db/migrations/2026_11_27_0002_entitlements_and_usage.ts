import { type Kysely, sql } from 'kysely';

// Effective entitlements, materialised per (customer, resource, feature) by the transaction of every change that
// affects them, and calculated usage: each report kept (the log a counter can be rebuilt from) and one counter per
// (customer, resource, feature, usage period). `resource_key` is the resource id, or '' for none, so it can be a key.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('effective_entitlements')
    .addColumn('environment_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('resource_key', 'text', (c) => c.notNull())
    .addColumn('feature_id', 'text', (c) => c.notNull())
    // The numeric value or usage limit; null for a boolean feature, whose entitlement is the row itself.
    .addColumn('amount', 'bigint')
    .addColumn('unlimited', 'boolean', (c) => c.notNull())
    .addColumn('has_soft_limit', 'boolean', (c) => c.notNull())
    .addColumn('reset_period', 'text', (c) => c.check(sql`reset_period in ('HOUR', 'DAY', 'WEEK', 'MONTH', 'YEAR')`))
    .addColumn('usage_period_anchor', 'timestamptz')
    .addColumn('granted_by', sql`text[]`, (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('effective_entitlements_pk', ['environment_id', 'customer_id', 'resource_key', 'feature_id'])
    .execute();

  await db.schema
    .createTable('usage_measurements')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // Arrival order: a counter rebuilt from the log applies SETs and DELTAs in the order they were acknowledged.
    .addColumn('sequence', 'bigint', (c) => c.notNull().generatedAlwaysAsIdentity())
    .addColumn('environment_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('resource_key', 'text', (c) => c.notNull())
    .addColumn('feature_id', 'text', (c) => c.notNull())
    .addColumn('update_behavior', 'text', (c) => c.notNull().check(sql`update_behavior in ('DELTA', 'SET')`))
    .addColumn('value', 'numeric', (c) => c.notNull())
    .addColumn('dimensions', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('idempotency_key', 'text')
    // When the usage happened (the caller's createdAt, else the arrival); it picks the usage period.
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // What the acknowledgement said, so a retry with the same idempotency key answers the same.
    .addColumn('acknowledgement', 'jsonb', (c) => c.notNull())
    .addForeignKeyConstraint('usage_measurements_customer_fk', ['environment_id', 'customer_id'], 'customers', ['environment_id', 'id'])
    .execute();
  await sql`create unique index usage_measurements_idempotency_idx on usage_measurements
    (environment_id, customer_id, resource_key, feature_id, idempotency_key) where idempotency_key is not null`.execute(db);
  await db.schema
    .createIndex('usage_measurements_counter_idx')
    .on('usage_measurements')
    .columns(['environment_id', 'customer_id', 'resource_key', 'feature_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('usage_counters')
    .addColumn('environment_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('resource_key', 'text', (c) => c.notNull())
    .addColumn('feature_id', 'text', (c) => c.notNull())
    // A meter that never resets has one period, 1970-01-01 to 9999-12-31 (dates, not ±infinity, which pg parses to numbers).
    .addColumn('period_start', 'timestamptz', (c) => c.notNull())
    .addColumn('period_end', 'timestamptz', (c) => c.notNull())
    .addColumn('value', 'numeric', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('usage_counters_pk', ['environment_id', 'customer_id', 'resource_key', 'feature_id', 'period_start'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['usage_counters', 'usage_measurements', 'effective_entitlements']) await db.schema.dropTable(table).execute();
}
