import { type Kysely, sql } from 'kysely';

// Raw events as sent to POST /v1/events, kept so a counter can be rebuilt from them (a first subscription sets a
// usage period). No foreign key to customers: events of a customer that does not exist yet are kept and counted.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('raw_events')
    .addColumn('environment_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    // The resource id, or '' for none, so it can be part of the key.
    .addColumn('resource_key', 'text', (c) => c.notNull())
    .addColumn('event_name', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('dimensions', 'jsonb', (c) => c.notNull())
    // When it happened (the caller's timestamp, else its arrival): it picks the usage period.
    .addColumn('timestamp', 'timestamptz', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // The dedupe itself: a second copy, also one arriving at the same moment, waits for the first and inserts nothing.
    .addPrimaryKeyConstraint('raw_events_pk', ['environment_id', 'customer_id', 'resource_key', 'event_name', 'idempotency_key'])
    .execute();
  // A meter's aggregation over a period: one customer's events of one name in a time range.
  await db.schema
    .createIndex('raw_events_aggregation_idx')
    .on('raw_events')
    .columns(['environment_id', 'customer_id', 'resource_key', 'event_name', 'timestamp'])
    .execute();

  // The values a UNIQUE meter has counted in a counter's period: inserting a value seen before inserts nothing, so
  // two concurrent batches with the same new value count it once. Values are jsonb: 1 and "1" differ, 1 and 1.0 do not.
  await db.schema
    .createTable('meter_unique_values')
    .addColumn('environment_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('resource_key', 'text', (c) => c.notNull())
    .addColumn('feature_id', 'text', (c) => c.notNull())
    .addColumn('period_start', 'timestamptz', (c) => c.notNull())
    .addColumn('value', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('meter_unique_values_pk', ['environment_id', 'customer_id', 'resource_key', 'feature_id', 'period_start', 'value'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['meter_unique_values', 'raw_events']) await db.schema.dropTable(table).execute();
}
