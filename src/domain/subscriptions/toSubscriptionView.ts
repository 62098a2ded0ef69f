import type { ChosenPrice } from './chosenPrice';
import type { LiveSlot, ProviderInvoice, SlimSubscription, Subscription, SubscriptionStatus } from './subscription';

export type SubscriptionRecord = {
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
  billable_features: { featureId: string; quantity: number }[];
  addons: { addonId: string; quantity: number; version: number }[];
  prices: ChosenPrice[];
  start_date: Date;
  trial_end_date: Date | null;
  current_billing_period_start: Date | null;
  current_billing_period_end: Date | null;
  cancellation_date: Date | null;
  end_date: Date | null;
  end_reason: string | null;
  promotion_code: string | null;
  coupon_id: string | null;
  billing_id: string | null;
  checkout_url: string | null;
  checkout_expires_at: Date | null;
  metadata: Record<string, string>;
  payment_failed_at?: Date | null;
  grace_period_end?: Date | null;
  last_invoice?: ProviderInvoice | null;
  migration_date?: Date | null;
  created_at: Date;
  updated_at: Date;
};

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function toSubscriptionView(row: SubscriptionRecord): Subscription {
  const waiting = row.live_slot === 'CHECKOUT';
  return {
    id: row.id,
    customerId: row.customer_id,
    productId: row.product_id,
    resource: row.resource_id === null ? null : { id: row.resource_id },
    resourceId: row.resource_id,
    planId: row.plan_id,
    planVersion: row.plan_version,
    pricingType: row.pricing_type,
    status: row.status,
    billingPeriod: row.billing_period,
    billingCountryCode: row.billing_country_code,
    currency: row.currency,
    prices: row.prices.map((price) => ({
      packageId: price.packageId,
      packageType: price.packageKind,
      version: price.version,
      featureId: price.featureId,
      billingModel: price.billingModel,
      billingPeriod: price.billingPeriod,
      countryCode: price.countryCode,
      unitPrice: price.amount === null ? null : { amount: price.amount, currency: price.currency },
      tiersMode: price.tiersMode,
      tiers: price.tiers,
      quantity: price.quantity,
      billingId: price.billingId,
    })),
    billableFeatures: row.billable_features,
    addons: row.addons,
    startDate: row.start_date.toISOString(),
    trialEndDate: iso(row.trial_end_date),
    currentBillingPeriodStart: iso(row.current_billing_period_start),
    currentBillingPeriodEnd: iso(row.current_billing_period_end),
    cancellationDate: iso(row.cancellation_date),
    endDate: iso(row.end_date),
    endReason: row.end_reason,
    promotionCode: row.promotion_code,
    couponId: row.coupon_id,
    billingId: row.billing_id,
    checkoutUrl: waiting ? row.checkout_url : null,
    checkoutExpiresAt: waiting ? iso(row.checkout_expires_at) : null,
    metadata: row.metadata,
    scheduledChanges: scheduledChangesOf(row),
    paymentFailedAt: iso(row.payment_failed_at ?? null),
    gracePeriodEnd: iso(row.grace_period_end ?? null),
    lastInvoice: row.last_invoice ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

// What will happen to a subscription without anyone asking: its scheduled start, or its scheduled migration to
// the latest plan version and its scheduled cancellation, earliest first.
function scheduledChangesOf(row: SubscriptionRecord): Subscription['scheduledChanges'] {
  if (row.live_slot === 'SCHEDULED') return [{ type: 'START', at: row.start_date.toISOString() }];
  if (row.live_slot === null) return [];
  const changes: Subscription['scheduledChanges'] = [];
  if (row.migration_date) changes.push({ type: 'MIGRATION', at: row.migration_date.toISOString() });
  if (row.cancellation_date) changes.push({ type: 'CANCELLATION', at: row.cancellation_date.toISOString() });
  return changes.sort((a, b) => a.at.localeCompare(b.at));
}

export function toSlimSubscription(view: Subscription): SlimSubscription {
  const { id, status, planId, productId, resource, addons, pricingType, startDate, trialEndDate, currentBillingPeriodEnd, cancellationDate, billingId } = view;
  return { id, status, planId, productId, resource, addons, pricingType, startDate, trialEndDate, currentBillingPeriodEnd, cancellationDate, billingId };
}
