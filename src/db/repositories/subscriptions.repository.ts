import { sql, type Insertable, type Selectable } from 'kysely';
import type { StoredPrice } from '../../domain/subscriptions/chosenPrice';
import type { LiveSubscription } from '../../domain/subscriptions/provisioningDecision';
import type { LiveSlot, SubscriptionStatus } from '../../domain/subscriptions/subscription';
import type { DbOrTransaction } from '../createDb';
import type { Database, SubscriptionRow, SubscriptionTable } from '../database';

export type SubscriptionScope = { environmentId: string; customerId: string; productId: string; resourceId: string | null };

export async function findSubscription(db: DbOrTransaction, environmentId: string, id: string): Promise<SubscriptionRow | undefined> {
  return db.selectFrom('subscriptions').selectAll().where('environment_id', '=', environmentId).where('id', '=', id).executeTakeFirst();
}

// Provisioning of one customer's subscriptions is serialised on the customer's row, inside the caller's transaction.
export async function lockCustomer(trx: DbOrTransaction, environmentId: string, customerId: string) {
  return trx.selectFrom('customers').select(['id', 'archived_at']).where('environment_id', '=', environmentId).where('id', '=', customerId).forUpdate().executeTakeFirst();
}

export async function listLiveInScope(db: DbOrTransaction, scope: SubscriptionScope): Promise<LiveSubscription[]> {
  const rows = await db
    .selectFrom('subscriptions')
    .select(['id', 'plan_id', 'live_slot'])
    .where('environment_id', '=', scope.environmentId)
    .where('customer_id', '=', scope.customerId)
    .where('product_id', '=', scope.productId)
    .where(sql<string>`coalesce(resource_id, '')`, '=', scope.resourceId ?? '')
    .where('live_slot', 'is not', null)
    .orderBy('created_at')
    .execute();
  return rows.map((row) => ({ id: row.id, planId: row.plan_id, slot: row.live_slot as LiveSlot }));
}

export async function isTrialUsed(db: DbOrTransaction, scope: Omit<SubscriptionScope, 'resourceId'>): Promise<boolean> {
  const row = await db
    .selectFrom('trial_usages')
    .select('subscription_id')
    .where('environment_id', '=', scope.environmentId)
    .where('customer_id', '=', scope.customerId)
    .where('product_id', '=', scope.productId)
    .executeTakeFirst();
  return row !== undefined;
}

// false when this customer already used a trial on this product (a concurrent provision won).
export async function recordTrialUsage(trx: DbOrTransaction, scope: Omit<SubscriptionScope, 'resourceId'> & { planId: string; subscriptionId: string }): Promise<boolean> {
  const inserted = await trx
    .insertInto('trial_usages')
    .values({ environment_id: scope.environmentId, customer_id: scope.customerId, product_id: scope.productId, plan_id: scope.planId, subscription_id: scope.subscriptionId })
    .onConflict((oc) => oc.columns(['environment_id', 'customer_id', 'product_id']).doNothing())
    .returning('subscription_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function insertSubscription(trx: DbOrTransaction, row: Insertable<SubscriptionTable>): Promise<SubscriptionRow> {
  return trx.insertInto('subscriptions').values(row).returningAll().executeTakeFirstOrThrow();
}

export type SubscriptionChanges = {
  status?: SubscriptionStatus;
  live_slot?: LiveSlot | null;
  billing_id?: string | null;
  start_date?: Date;
  trial_end_date?: Date | null;
  current_billing_period_start?: Date | null;
  current_billing_period_end?: Date | null;
  end_date?: Date | null;
  end_reason?: string | null;
  replaced_by_id?: string | null;
  checkout_session_id?: string | null;
  checkout_url?: string | null;
  checkout_expires_at?: Date | null;
  cancellation_date?: Date | null;
  billing_period?: 'MONTHLY' | 'ANNUALLY' | null;
  // JSON columns, as text.
  billable_features?: string;
  addons?: string;
  prices?: string;
  last_invoice?: string | null;
  metadata?: string;
  promotion_code?: string | null;
  payment_failed_at?: Date | null;
  grace_period_end?: Date | null;
  billing_cycle_anchor?: Date | null;
  plan_version?: number;
  migration_date?: Date | null;
};

export async function updateSubscriptionRow(trx: DbOrTransaction, environmentId: string, id: string, changes: SubscriptionChanges): Promise<SubscriptionRow | undefined> {
  return trx
    .updateTable('subscriptions')
    .set({ ...changes, updated_at: sql`now()` })
    .where('environment_id', '=', environmentId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function listCustomerLiveSubscriptions(db: DbOrTransaction, environmentId: string, customerId: string, resourceId: string | undefined): Promise<SubscriptionRow[]> {
  return db
    .selectFrom('subscriptions')
    .selectAll()
    .where('environment_id', '=', environmentId)
    .where('customer_id', '=', customerId)
    .where('status', 'in', ['ACTIVE', 'IN_TRIAL', 'PAYMENT_PENDING', 'NOT_STARTED'])
    .$if(resourceId !== undefined, (query) => query.where('resource_id', '=', resourceId!))
    .orderBy('created_at')
    .execute();
}

export async function findSubscriptionByBillingId(db: DbOrTransaction, billingId: string) {
  return db.selectFrom('subscriptions').select(['environment_id', 'id']).where('billing_id', '=', billingId).executeTakeFirst();
}

// The prices of one plan or add-on version, with the provider's price ids the catalog sync stored.
export async function listVersionPrices(db: DbOrTransaction, environmentId: string, packageId: string, version: number): Promise<StoredPrice[]> {
  const rows = await db
    .selectFrom('package_prices as pr')
    .innerJoin('package_versions as v', 'v.id', 'pr.package_version_id')
    .select(['pr.billing_period', 'pr.billing_model', 'pr.feature_id', 'pr.country_code', 'pr.currency', 'pr.amount', 'pr.tiers_mode', 'pr.tiers', 'pr.billing_id'])
    .where('v.environment_id', '=', environmentId)
    .where('v.package_id', '=', packageId)
    .where('v.version', '=', version)
    .orderBy('pr.id')
    .execute();
  return rows.map(toStoredPrice);
}

type PriceRow = Pick<Selectable<Database['package_prices']>, 'billing_period' | 'billing_model' | 'feature_id' | 'country_code' | 'currency' | 'amount' | 'tiers_mode' | 'tiers' | 'billing_id'>;

// A catalog price row as provisioning and the paywall read it.
export function toStoredPrice(row: PriceRow): StoredPrice {
  return {
    billingPeriod: row.billing_period,
    billingModel: row.billing_model,
    featureId: row.feature_id,
    countryCode: row.country_code,
    currency: row.currency,
    amount: row.amount,
    tiersMode: row.tiers_mode,
    tiers: row.tiers,
    billingId: row.billing_id,
  };
}

export async function listReplacedBy(db: DbOrTransaction, environmentId: string, id: string) {
  return db.selectFrom('subscriptions').selectAll().where('environment_id', '=', environmentId).where('replaced_by_id', '=', id).execute();
}

export async function findSubscriptionByCheckoutSession(db: DbOrTransaction, checkoutSessionId: string) {
  return db.selectFrom('subscriptions').select(['environment_id', 'id']).where('checkout_session_id', '=', checkoutSessionId).executeTakeFirst();
}

// The product's fallback plan, for a customer left with nothing live on it.
export async function findFallbackPlanId(db: DbOrTransaction, environmentId: string, productId: string): Promise<string | null> {
  const row = await db.selectFrom('products').select('fallback_plan_id').where('environment_id', '=', environmentId).where('id', '=', productId).executeTakeFirst();
  return row?.fallback_plan_id ?? null;
}

// A subscription as the API shows it: one of an archived customer is no longer shown anywhere.
export async function findVisibleSubscription(db: DbOrTransaction, environmentId: string, id: string): Promise<SubscriptionRow | undefined> {
  return db
    .selectFrom('subscriptions')
    .selectAll('subscriptions')
    .where('subscriptions.environment_id', '=', environmentId)
    .where('subscriptions.id', '=', id)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('customers')
          .select('customers.id')
          .whereRef('customers.environment_id', '=', 'subscriptions.environment_id')
          .whereRef('customers.id', '=', 'subscriptions.customer_id')
          .where('customers.archived_at', 'is', null),
      ),
    )
    .executeTakeFirst();
}
