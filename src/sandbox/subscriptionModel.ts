// Building a subscription and charging its first invoice: shared by /v1/subscriptions and checkout completion.
import { lineAmount, type PricedLine } from './amounts';
import { checkDiscounts, redeemDiscounts, type DiscountChoice } from './discounts';
import { recordEvent } from './events';
import { buildSubscriptionInvoice, customerAfterInvoice, failedInvoice, paidInvoice } from './invoices';
import { invalid, newId, type RequestInfo, type SandboxObject, type Store } from './params';
import { charge } from './collection';

export type PaymentBehavior = 'allow_incomplete' | 'default_incomplete' | 'error_if_incomplete';

export interface SubscriptionItemSpec {
  price: SandboxObject;
  quantity: number;
  metadata: Record<string, string>;
  /** The param that named the price, for errors. */
  param: string;
}

export interface SubscriptionSpec {
  customer: SandboxObject;
  items: readonly SubscriptionItemSpec[];
  defaultPaymentMethod: string | null;
  taxRates: readonly SandboxObject[];
  discounts: readonly DiscountChoice[];
  trialEnd: number | null;
  /** Unix seconds; earlier than now for a backdated subscription. */
  startDate: number;
  metadata: Record<string, string>;
  description: string | null;
  paymentBehavior: PaymentBehavior;
  checkoutSession: string | null;
}

interface Recurring { interval: 'day' | 'week' | 'month' | 'year'; interval_count: number }

/** `start` plus the price's billing interval, with Stripe's month-end clamping (Jan 31 + 1 month = Feb 28/29). */
export function periodEnd(start: number, recurring: Recurring): number {
  const date = new Date(start * 1000);
  const count = recurring.interval_count;
  if (recurring.interval === 'day' || recurring.interval === 'week') {
    return start + count * (recurring.interval === 'day' ? 1 : 7) * 86_400;
  }
  const months = recurring.interval === 'month' ? count : count * 12;
  const target = new Date(date);
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return Math.floor(target.getTime() / 1000);
}

/** Stripe requires every item to be an active recurring price with one currency and one billing interval. */
export function checkItemPrices(items: readonly SubscriptionItemSpec[], itemsParam = 'items'): { currency: string; recurring: Recurring } {
  for (const { price, param } of items) {
    if (price.active !== true) throw invalid('The price specified is inactive. This field only accepts active prices.', { param });
    if (price.type !== 'recurring') {
      throw invalid('The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.', { param });
    }
  }
  const first = items[0]?.price;
  if (!first) throw invalid(`Missing required param: ${itemsParam}.`, { code: 'parameter_missing', param: itemsParam });
  const recurring = first.recurring as Recurring;
  for (const { price } of items) {
    const other = price.recurring as Recurring;
    if (price.currency !== first.currency || other.interval !== recurring.interval || other.interval_count !== recurring.interval_count) {
      const field = price.currency !== first.currency ? 'currency' : 'interval';
      throw invalid(`Currency and interval fields must match across all plans on this subscription. Found mismatch in ${field} field.`, { param: itemsParam });
    }
  }
  return { currency: String(first.currency), recurring };
}

/** The amount the items cost for one full period, before discounts and tax (what a promotion code's minimum is compared with). */
export const pricedLines = (items: readonly SubscriptionItemSpec[]): PricedLine[] =>
  items.map(({ price, quantity }) => ({ price, quantity, amount: lineAmount(price, quantity) }));

function plan(price: SandboxObject): Record<string, unknown> {
  const recurring = price.recurring as Recurring & { usage_type: string; meter: string | null };
  return {
    id: price.id, object: 'plan', active: price.active, amount: price.unit_amount, amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme, created: price.created, currency: price.currency, interval: recurring.interval,
    interval_count: recurring.interval_count, livemode: false, metadata: price.metadata, meter: recurring.meter ?? null,
    nickname: price.nickname, product: price.product, tiers_mode: price.tiers_mode, transform_usage: null, trial_period_days: null,
    usage_type: recurring.usage_type,
  };
}

const withoutTiers = (price: SandboxObject): SandboxObject => {
  const { tiers: _tiers, currency_options: _options, ...rest } = structuredClone(price);
  return rest as SandboxObject;
};

/** A subscription item (si_…) for `item` in the period `period`. */
export function subscriptionItem(subscriptionId: string, item: Omit<SubscriptionItemSpec, 'param'>, period: { start: number; end: number }, now: number): Record<string, unknown> & { id: string } {
  return {
    id: newId('si', 14), object: 'subscription_item', billing_thresholds: null, created: now, current_period_end: period.end,
    current_period_start: period.start, current_trial: null, discounts: [], metadata: item.metadata, plan: plan(item.price),
    price: withoutTiers(item.price), quantity: item.quantity, subscription: subscriptionId, tax_rates: [],
  };
}

export interface StartedSubscription {
  subscription: SandboxObject;
  invoice: SandboxObject;
}

/**
 * Validates everything first (discount rules, payment method, and with error_if_incomplete the charge itself), so a
 * refused request stores nothing; then stores the subscription and its first invoice and records their events.
 */
export function startSubscription(store: Store, request: RequestInfo, spec: SubscriptionSpec): StartedSubscription {
  const { customer, items } = spec;
  const { currency, recurring } = checkItemPrices(items);
  const now = store.nowSeconds();
  const fullLines = pricedLines(items);
  checkDiscounts(store, spec.discounts, { customerId: customer.id, currency, subtotal: fullLines.reduce((sum, l) => sum + l.amount, 0) });
  const trial = spec.trialEnd !== null;
  const periodStart = trial ? now : spec.startDate;
  const periodEndAt = trial ? Number(spec.trialEnd) : periodEnd(spec.startDate, recurring);
  const subscriptionId = newId('sub', 24);
  const itemObjects = items.map((item) => subscriptionItem(subscriptionId, item, { start: periodStart, end: periodEndAt }, now));
  const settings = customer.invoice_settings as { default_payment_method: string | null };
  const paymentMethod = spec.defaultPaymentMethod ?? settings.default_payment_method;
  let subscription: SandboxObject = {
    id: subscriptionId, object: 'subscription', application: null, application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null }, billing_cycle_anchor: trial ? Number(spec.trialEnd) : spec.startDate,
    billing_cycle_anchor_config: null, billing_mode: { flexible: { proration_discounts: 'included' }, type: 'flexible' },
    billing_schedules: [], billing_thresholds: null, cancel_at: null, cancel_at_period_end: false, canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null }, collection_method: 'charge_automatically',
    created: now, currency, customer: customer.id, customer_account: null, days_until_due: null,
    default_payment_method: spec.defaultPaymentMethod, default_source: null, default_tax_rates: structuredClone(spec.taxRates),
    description: spec.description, discounts: [], ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: 'self' } },
    items: { object: 'list', data: itemObjects, has_more: false, total_count: itemObjects.length, url: `/v1/subscription_items?subscription=${subscriptionId}` },
    latest_invoice: null, livemode: false, managed_payments: null, metadata: spec.metadata, next_pending_invoice_item_invoice: null,
    on_behalf_of: null, pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
    pending_invoice_item_interval: null, pending_setup_intent: null, pending_update: null, schedule: null, start_date: spec.startDate,
    status: 'incomplete', test_clock: null, transfer_data: null, trial_end: spec.trialEnd, trial_settings: { end_behavior: { missing_payment_method: 'create_invoice' } },
    trial_start: trial ? now : null,
  };
  // Discounts are only redeemed below, once nothing can fail; the totals need their ids, so build with placeholders first.
  const placeholder = spec.discounts.map((choice, i) => ({ id: `pending_${i}`, coupon: choice.coupon }));
  const invoiceLines = items.map((item, i) => ({ subscriptionItem: itemObjects[i]?.id ?? '', price: item.price, quantity: item.quantity, amount: trial ? 0 : (fullLines[i]?.amount ?? 0) }));
  const input = { customer, subscription, lines: invoiceLines, discounts: placeholder, taxRates: spec.taxRates, periodStart, periodEnd: periodEndAt, trial };
  const due = Number(buildSubscriptionInvoice(store, input).amount_due);
  const attempt = due > 0 && spec.paymentBehavior !== 'default_incomplete';
  if (attempt && paymentMethod === null) {
    throw invalid('This customer has no attached payment source or default payment method. Please consider adding a default payment method. For more information, visit https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.');
  }
  const decline = attempt && paymentMethod !== null ? charge(store, customer.id, paymentMethod) : undefined;
  if (decline && spec.paymentBehavior === 'error_if_incomplete') throw decline;

  const applied = redeemDiscounts(store, spec.discounts, { customer: customer.id, subscription: subscriptionId, checkoutSession: spec.checkoutSession });
  const draft = buildSubscriptionInvoice(store, { ...input, discounts: applied });
  const invoice = due === 0 ? paidInvoice(store, draft, false) : !attempt ? draft : decline ? failedInvoice(draft) : paidInvoice(store, draft, true);
  const status = trial ? 'trialing' : invoice.status === 'paid' ? 'active' : 'incomplete';
  subscription = { ...subscription, discounts: applied.map((d) => d.id), latest_invoice: invoice.id, status };
  store.customers.set(customer.id, { ...customerAfterInvoice(customer, invoice), currency: customer.currency ?? currency });
  store.subscriptions.set(subscription.id, subscription);
  store.invoices.set(invoice.id, invoice);
  recordEvent(store, request, 'customer.subscription.created', publicSubscription(subscription));
  recordEvent(store, request, 'invoice.created', draft);
  recordEvent(store, request, 'invoice.finalized', draft);
  if (invoice.status === 'paid') recordEvent(store, request, 'invoice.paid', invoice);
  else if (decline) recordEvent(store, request, 'invoice.payment_failed', invoice);
  return { subscription, invoice };
}

/** The subscription as Stripe returns it unexpanded: default_tax_rates is includable (only with expand[]=default_tax_rates). */
export function publicSubscription(subscription: SandboxObject): SandboxObject {
  const { default_tax_rates: _rates, ...rest } = structuredClone(subscription);
  return rest as SandboxObject;
}
