import { type Kysely, sql } from 'kysely';

// Foundation schema: environments, keys, the versioned catalog and customers. Every business row is
// keyed by (environment_id, id) so no query can reach across environments by accident.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('environments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('key_prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('products')
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('initial_plan_id', 'text')
    .addColumn('fallback_plan_id', 'text')
    .addColumn('multiple_subscriptions', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('archived_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('products_pk', ['environment_id', 'id'])
    .execute();

  await db.schema
    .createTable('features')
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('feature_type', 'text', (c) => c.notNull().check(sql`feature_type in ('BOOLEAN', 'NUMBER')`))
    .addColumn('meter_type', 'text', (c) => c.notNull().check(sql`meter_type in ('None', 'Fluctuating', 'Incremental')`))
    .addColumn('unit', 'text')
    .addColumn('unit_plural', 'text')
    .addColumn('archived_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('features_pk', ['environment_id', 'id'])
    .execute();

  // Plans and add-ons share one table: both are versioned packages of prices and entitlements.
  await db.schema
    .createTable('packages')
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('PLAN', 'ADDON')`))
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('billing_id', 'text')
    // What the billing provider last received (name, description, active), to skip unchanged products.
    .addColumn('billing_synced_state', 'text')
    .addColumn('archived_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('packages_pk', ['environment_id', 'id'])
    .addForeignKeyConstraint('packages_product_fk', ['environment_id', 'product_id'], 'products', ['environment_id', 'id'])
    .execute();

  await db.schema
    .createTable('package_versions')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('environment_id', 'text', (c) => c.notNull())
    .addColumn('package_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('DRAFT', 'PUBLISHED')`))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('pricing_type', 'text', (c) => c.notNull().check(sql`pricing_type in ('FREE', 'PAID', 'CUSTOM')`))
    .addColumn('trial_duration', 'integer')
    .addColumn('trial_unit', 'text')
    .addColumn('compatible_addon_ids', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('max_quantity', 'integer')
    .addColumn('content', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('published_at', 'timestamptz')
    .addUniqueConstraint('package_versions_number_unique', ['environment_id', 'package_id', 'version'])
    .addForeignKeyConstraint('package_versions_package_fk', ['environment_id', 'package_id'], 'packages', ['environment_id', 'id'])
    .execute();

  await db.schema
    .createTable('package_prices')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('package_version_id', 'bigint', (c) => c.notNull().references('package_versions.id').onDelete('cascade'))
    .addColumn('billing_period', 'text', (c) => c.notNull().check(sql`billing_period in ('MONTHLY', 'ANNUALLY')`))
    .addColumn('billing_model', 'text', (c) => c.notNull().check(sql`billing_model in ('FLAT_FEE', 'PER_UNIT', 'TIERED')`))
    .addColumn('feature_id', 'text')
    .addColumn('tiers_mode', 'text')
    .addColumn('country_code', 'text')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint')
    .addColumn('tiers', 'jsonb')
    .addColumn('billing_id', 'text')
    .addColumn('billing_archived_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('package_prices_version_idx').on('package_prices').column('package_version_id').execute();

  await db.schema
    .createTable('package_entitlements')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('package_version_id', 'bigint', (c) => c.notNull().references('package_versions.id').onDelete('cascade'))
    .addColumn('feature_id', 'text', (c) => c.notNull())
    .addColumn('value', 'bigint')
    .addColumn('usage_limit', 'bigint')
    .addColumn('is_unlimited', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('has_soft_limit', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('reset_period', 'text')
    .addUniqueConstraint('package_entitlements_feature_unique', ['package_version_id', 'feature_id'])
    .execute();

  await db.schema
    .createTable('coupons')
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('discount_type', 'text', (c) => c.notNull().check(sql`discount_type in ('PERCENTAGE', 'FIXED')`))
    .addColumn('percent_off', sql`numeric(5, 2)`)
    .addColumn('amounts_off', 'jsonb')
    .addColumn('duration_type', 'text', (c) => c.notNull())
    .addColumn('duration_in_months', 'integer')
    .addColumn('billing_id', 'text')
    .addColumn('archived_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('coupons_pk', ['environment_id', 'id'])
    .execute();

  await db.schema
    .createTable('meters')
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('feature_id', 'text', (c) => c.notNull())
    .addColumn('event_name', 'text', (c) => c.notNull())
    .addColumn('filters', 'jsonb', (c) => c.notNull())
    .addColumn('aggregation_function', 'text', (c) => c.notNull())
    .addColumn('aggregation_field', 'text')
    .addColumn('archived_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('meters_pk', ['environment_id', 'id'])
    .execute();
  await db.schema.createIndex('meters_event_idx').on('meters').columns(['environment_id', 'event_name']).execute();

  await db.schema
    .createTable('customers')
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('email', 'text')
    .addColumn('coupon_id', 'text')
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('billing_id', 'text')
    .addColumn('archived_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('customers_pk', ['environment_id', 'id'])
    .execute();

  // Replays of writes sent with an Idempotency-Key header.
  await db.schema
    .createTable('idempotent_requests')
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_fingerprint', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('response_body', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('idempotent_requests_pk', ['environment_id', 'key'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'idempotent_requests',
    'customers',
    'meters',
    'coupons',
    'package_entitlements',
    'package_prices',
    'package_versions',
    'packages',
    'features',
    'products',
    'api_keys',
    'environments',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
