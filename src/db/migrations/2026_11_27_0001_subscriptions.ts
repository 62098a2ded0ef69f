import { type Kysely, sql } from 'kysely';

// Subscriptions, the record of used trials, and the Stripe webhook events received. The seed's rules live in
// the constraints: one subscription per live slot of a (customer, product, resource), one trial per
// (customer, product), so two concurrent provisions cannot both win.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('subscriptions')
    .addColumn('environment_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text')
    .addColumn('plan_id', 'text', (c) => c.notNull())
    .addColumn('plan_version', 'integer', (c) => c.notNull())
    .addColumn('pricing_type', 'text', (c) => c.notNull().check(sql`pricing_type in ('FREE', 'PAID', 'CUSTOM')`))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('NOT_STARTED', 'PAYMENT_PENDING', 'IN_TRIAL', 'ACTIVE', 'CANCELED', 'EXPIRED')`),
    )
    // Which live place the subscription holds; null once it ended. See the unique index below.
    .addColumn('live_slot', 'text', (c) => c.check(sql`live_slot in ('PAID', 'TRIAL', 'CHECKOUT', 'SCHEDULED')`))
    .addColumn('billing_period', 'text', (c) => c.check(sql`billing_period in ('MONTHLY', 'ANNUALLY')`))
    .addColumn('billing_country_code', 'text')
    .addColumn('currency', 'text')
    .addColumn('billable_features', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('addons', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('prices', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('start_date', 'timestamptz', (c) => c.notNull())
    .addColumn('trial_end_date', 'timestamptz')
    .addColumn('current_billing_period_start', 'timestamptz')
    .addColumn('current_billing_period_end', 'timestamptz')
    .addColumn('cancellation_date', 'timestamptz')
    .addColumn('end_date', 'timestamptz')
    .addColumn('end_reason', 'text')
    // The subscription that replaced this one, so a retried commit finds what it ended.
    .addColumn('replaced_by_id', 'text')
    .addColumn('promotion_code', 'text')
    .addColumn('coupon_id', 'text')
    .addColumn('billing_id', 'text')
    .addColumn('checkout_session_id', 'text')
    .addColumn('checkout_url', 'text')
    .addColumn('checkout_expires_at', 'timestamptz')
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('subscriptions_pk', ['environment_id', 'id'])
    .addForeignKeyConstraint('subscriptions_customer_fk', ['environment_id', 'customer_id'], 'customers', ['environment_id', 'id'])
    .addCheckConstraint('subscriptions_live_slot_matches_status', sql`(live_slot is null) = (status in ('CANCELED', 'EXPIRED'))`)
    .execute();
  // At most one live non-trial, one trial, one waiting checkout and one scheduled start per (customer, product, resource).
  await sql`create unique index subscriptions_one_per_live_slot on subscriptions
    (environment_id, customer_id, product_id, coalesce(resource_id, ''), live_slot) where live_slot is not null`.execute(db);
  await db.schema.createIndex('subscriptions_customer_idx').on('subscriptions').columns(['environment_id', 'customer_id']).execute();
  await sql`create unique index subscriptions_billing_id_idx on subscriptions (billing_id) where billing_id is not null`.execute(db);
  await sql`create unique index subscriptions_checkout_session_idx on subscriptions (checkout_session_id) where checkout_session_id is not null`.execute(db);

  // A plan's trial is granted once per customer and product, whatever happens to the subscription afterwards.
  await db.schema
    .createTable('trial_usages')
    .addColumn('environment_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('plan_id', 'text', (c) => c.notNull())
    .addColumn('subscription_id', 'text', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('trial_usages_pk', ['environment_id', 'customer_id', 'product_id'])
    .addForeignKeyConstraint('trial_usages_customer_fk', ['environment_id', 'customer_id'], 'customers', ['environment_id', 'id'])
    .execute();

  // Each Stripe event is applied once: a redelivery finds its row. Stripe event ids are unique per account.
  await db.schema
    .createTable('billing_webhook_events')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text')
    .addColumn('event_created', 'timestamptz', (c) => c.notNull())
    .addColumn('environment_id', 'text')
    .addColumn('subscription_id', 'text')
    // 'delivered' (handed to the subscription's workflow), 'unrouted' (no Tollgate object), 'ignored' (a type Tollgate does not use).
    .addColumn('outcome', 'text')
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('handled_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('billing_webhook_events').execute();
  await db.schema.dropTable('trial_usages').execute();
  await db.schema.dropTable('subscriptions').execute();
}
