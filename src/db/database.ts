import type { ColumnType, Generated, GeneratedAlways, Insertable, Selectable } from 'kysely';
import type { ChangeEventType } from '../domain/changeEvent';
import type { ChosenPrice } from '../domain/subscriptions/chosenPrice';
import type { ResetPeriod } from '../domain/usage/usagePeriod';
import type { LiveSlot, ProviderInvoice, SubscriptionStatus } from '../domain/subscriptions/subscription';
import type { SubscriptionChanges, SubscriptionTransition, TransitionCauseKind } from '../domain/subscriptions/subscriptionHistory';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;
type NullableJson<T> = ColumnType<T | null, string | null, string | null>;
// int8 columns arrive as JS numbers (createDb's type parser): exact, as sequence ids stay far below 2^53.
type Int8Id = Generated<number>;

export type EnvironmentTable = { id: string; name: string; created_at: CreatedAt };

export type ApiKeyTable = {
  id: string;
  environment_id: string;
  name: string;
  key_hash: string;
  key_prefix: string;
  created_at: CreatedAt;
  revoked_at: Date | null;
};

export type ProductTable = {
  environment_id: string;
  id: string;
  display_name: string;
  description: string | null;
  initial_plan_id: string | null;
  fallback_plan_id: string | null;
  multiple_subscriptions: boolean;
  // The product's plans from the lowest tier to the highest (catalog `planOrder`); null when the catalog gives none.
  plan_order: string[] | null;
  archived_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type FeatureTable = {
  environment_id: string;
  id: string;
  display_name: string;
  description: string | null;
  feature_type: 'BOOLEAN' | 'NUMBER';
  meter_type: 'None' | 'Fluctuating' | 'Incremental';
  unit: string | null;
  unit_plural: string | null;
  archived_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type PackageTable = {
  environment_id: string;
  id: string;
  kind: 'PLAN' | 'ADDON';
  product_id: string;
  billing_id: string | null;
  billing_synced_state: string | null;
  archived_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type PackageVersionTable = {
  id: Int8Id;
  environment_id: string;
  package_id: string;
  version: number;
  status: 'DRAFT' | 'PUBLISHED';
  display_name: string;
  description: string | null;
  pricing_type: 'FREE' | 'PAID' | 'CUSTOM';
  trial_duration: number | null;
  trial_unit: 'DAY' | 'MONTH' | null;
  compatible_addon_ids: string[];
  max_quantity: number | null;
  content: Json<unknown>;
  created_at: CreatedAt;
  published_at: Date | null;
};

export type PackagePriceTable = {
  id: Int8Id;
  package_version_id: number;
  billing_period: 'MONTHLY' | 'ANNUALLY';
  billing_model: 'FLAT_FEE' | 'PER_UNIT' | 'TIERED';
  feature_id: string | null;
  tiers_mode: 'GRADUATED' | 'VOLUME' | null;
  country_code: string | null;
  currency: string;
  amount: number | null;
  tiers: NullableJson<{ upTo?: number; unitAmount: number; flatAmount?: number }[]>;
  billing_id: string | null;
  billing_archived_at: Date | null;
};

export type PackageEntitlementTable = {
  id: Int8Id;
  package_version_id: number;
  feature_id: string;
  value: number | null;
  usage_limit: number | null;
  is_unlimited: boolean;
  has_soft_limit: boolean;
  reset_period: string | null;
};

export type CouponTable = {
  environment_id: string;
  id: string;
  display_name: string;
  discount_type: 'PERCENTAGE' | 'FIXED';
  percent_off: number | null;
  amounts_off: NullableJson<{ currency: string; amount: number }[]>;
  duration_type: 'FOREVER' | 'ONCE' | 'REPEATING';
  duration_in_months: number | null;
  billing_id: string | null;
  archived_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type MeterTable = {
  environment_id: string;
  id: string;
  feature_id: string;
  event_name: string;
  filters: Json<unknown[]>;
  aggregation_function: string;
  aggregation_field: string | null;
  archived_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type CustomerTable = {
  environment_id: string;
  id: string;
  name: string | null;
  email: string | null;
  coupon_id: string | null;
  metadata: Json<Record<string, string>>;
  billing_id: string | null;
  archived_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type IdempotentRequestTable = {
  environment_id: string;
  key: string;
  request_fingerprint: string;
  status_code: number | null;
  response_body: NullableJson<unknown>;
  // The workflow run the request started: a retry after a crash awaits it instead of starting another.
  workflow_id: string | null;
  workflow_run_id: string | null;
  // Reset when a stale claim is taken over.
  created_at: UpdatedAt;
};

// The catalog file last applied at start in an environment, by the digest of its content.
export type CatalogFileApplicationTable = {
  environment_id: string;
  file_path: string;
  content_digest: string;
  applied_at: UpdatedAt;
};

export type AppliedRequestTable = {
  environment_id: string;
  request_key: string;
  outcome: NullableJson<unknown>;
  applied_at: CreatedAt;
};

// Appended only, in the transaction of the change it describes (src/db/commitChange.ts).
export type ChangeOutboxTable = {
  id: GeneratedAlways<number>;
  environment_id: string;
  event_type: ChangeEventType;
  customer_id: string | null;
  resource_id: string | null;
  payload: Json<unknown>;
  created_at: CreatedAt;
  // xid8, as decimal text (pg has no parser for it): the committing transaction, first key of the stream's order.
  transaction_id: Generated<string>;
};

export type ChangeOutboxPrunedThroughTable = { singleton: Generated<boolean>; transaction_id: string; id: number };


export type SubscriptionTable = {
  environment_id: string;
  id: string;
  customer_id: string;
  product_id: string;
  resource_id: string | null;
  plan_id: string;
  plan_version: number;
  pricing_type: 'FREE' | 'PAID' | 'CUSTOM';
  status: SubscriptionStatus;
  live_slot: LiveSlot | null;
  billing_period: 'MONTHLY' | 'ANNUALLY' | null;
  billing_country_code: string | null;
  currency: string | null;
  billable_features: Json<{ featureId: string; quantity: number }[]>;
  addons: Json<{ addonId: string; quantity: number; version: number }[]>;
  prices: Json<ChosenPrice[]>;
  start_date: Date;
  trial_end_date: Date | null;
  current_billing_period_start: Date | null;
  current_billing_period_end: Date | null;
  cancellation_date: Date | null;
  end_date: Date | null;
  end_reason: string | null;
  replaced_by_id: string | null;
  promotion_code: string | null;
  coupon_id: string | null;
  billing_id: string | null;
  checkout_session_id: string | null;
  checkout_url: string | null;
  checkout_expires_at: Date | null;
  metadata: Json<Record<string, string>>;
  payment_failed_at: Date | null;
  grace_period_end: Date | null;
  last_invoice: Json<ProviderInvoice> | null;
  billing_cycle_anchor: Date | null;
  // A migration to the latest plan and add-on versions scheduled for then (END_OF_BILLING_PERIOD).
  migration_date: Generated<Date | null>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

// One transition of a subscription; append-only (a trigger refuses UPDATE and DELETE).
export type SubscriptionHistoryTable = {
  id: Int8Id;
  environment_id: string;
  subscription_id: string;
  occurred_at: CreatedAt;
  transition: SubscriptionTransition;
  from_status: SubscriptionStatus | null;
  to_status: SubscriptionStatus;
  cause: TransitionCauseKind;
  cause_detail: string | null;
  changes: Json<SubscriptionChanges>;
};

export type TrialUsageTable = {
  environment_id: string;
  customer_id: string;
  product_id: string;
  plan_id: string;
  subscription_id: string;
  used_at: CreatedAt;
};

export type BillingWebhookEventTable = {
  event_id: string;
  event_type: string;
  object_id: string | null;
  event_created: Date;
  environment_id: string | null;
  subscription_id: string | null;
  outcome: 'delivered' | 'unrouted' | 'ignored' | null;
  received_at: CreatedAt;
  handled_at: Date | null;
};

export type EffectiveEntitlementTable = {
  environment_id: string;
  customer_id: string;
  resource_key: string;
  feature_id: string;
  amount: number | null;
  unlimited: boolean;
  has_soft_limit: boolean;
  reset_period: ResetPeriod | null;
  usage_period_anchor: Date | null;
  granted_by: string[];
  updated_at: UpdatedAt;
};

export type UsageMeasurementTable = {
  id: Generated<string>;
  sequence: GeneratedAlways<number>;
  environment_id: string;
  customer_id: string;
  resource_key: string;
  feature_id: string;
  update_behavior: 'DELTA' | 'SET';
  value: number;
  dimensions: Json<Record<string, string | number | boolean>>;
  idempotency_key: string | null;
  created_at: Date;
  recorded_at: CreatedAt;
  acknowledgement: Json<unknown>;
};

export type UsageCounterTable = {
  environment_id: string;
  customer_id: string;
  resource_key: string;
  feature_id: string;
  period_start: Date;
  period_end: Date;
  value: number;
  updated_at: UpdatedAt;
};

// One raw event (POST /v1/events); the primary key (customer, resource, event name, idempotency key) is its dedupe.
export type RawEventTable = {
  environment_id: string;
  customer_id: string;
  resource_key: string;
  event_name: string;
  idempotency_key: string;
  dimensions: Json<Record<string, string | number | boolean>>;
  timestamp: Date;
  received_at: CreatedAt;
};

// A value a UNIQUE meter counted in one counter's period.
export type MeterUniqueValueTable = {
  environment_id: string;
  customer_id: string;
  resource_key: string;
  feature_id: string;
  period_start: Date;
  value: Json<string | number | boolean>;
};

export type Database = {
  environments: EnvironmentTable;
  api_keys: ApiKeyTable;
  products: ProductTable;
  features: FeatureTable;
  packages: PackageTable;
  package_versions: PackageVersionTable;
  package_prices: PackagePriceTable;
  package_entitlements: PackageEntitlementTable;
  coupons: CouponTable;
  meters: MeterTable;
  customers: CustomerTable;
  idempotent_requests: IdempotentRequestTable;
  catalog_file_applications: CatalogFileApplicationTable;
  applied_requests: AppliedRequestTable;
  change_outbox: ChangeOutboxTable;
  change_outbox_pruned_through: ChangeOutboxPrunedThroughTable;
  subscriptions: SubscriptionTable;
  subscription_history: SubscriptionHistoryTable;
  trial_usages: TrialUsageTable;
  billing_webhook_events: BillingWebhookEventTable;
  effective_entitlements: EffectiveEntitlementTable;
  usage_measurements: UsageMeasurementTable;
  usage_counters: UsageCounterTable;
  raw_events: RawEventTable;
  meter_unique_values: MeterUniqueValueTable;
};

export type CustomerRow = Selectable<CustomerTable>;
export type NewCustomerRow = Insertable<CustomerTable>;
export type ApiKeyRow = Selectable<ApiKeyTable>;
export type SubscriptionRow = Selectable<SubscriptionTable>;
