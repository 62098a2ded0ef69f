// /v1/subscriptions: create (charging the first invoice), retrieve, list, update (subscriptionUpdate.ts), cancel (subscriptionEnd.ts).
import { parseDiscounts } from './discounts';
import { cancel } from './subscriptionEnd';
import { update } from './subscriptionUpdate';
import type { FormObject } from './form';
import { viewInvoice } from './invoices';
import {
  applyMetadata, bool, checkExpand, hashList, int, invalid, listExpand, noSuch, nonEmpty, nullableStr, only, oneOf, paginate, str,
  type Route, type RouteContext, type SandboxObject, type Store,
} from './params';
import { publicSubscription, startSubscription, type PaymentBehavior, type SubscriptionItemSpec } from './subscriptionModel';
import { taxRateList } from './taxRates';

const CREATE_PARAMS = [
  'backdate_start_date', 'customer', 'default_payment_method', 'default_tax_rates', 'description', 'discounts', 'expand', 'items',
  'metadata', 'off_session', 'payment_behavior', 'trial_end', 'trial_period_days',
];
// Real Stripe params the sandbox does not emulate: fail loudly instead of silently ignoring them.
const UNMODELED = [
  'add_invoice_items', 'application_fee_percent', 'automatic_tax', 'billing_cycle_anchor', 'billing_cycle_anchor_config', 'billing_mode',
  'billing_schedules', 'billing_thresholds', 'cancel_at', 'cancel_at_period_end', 'collection_method', 'currency', 'customer_account',
  'days_until_due', 'default_source', 'invoice_settings', 'on_behalf_of', 'payment_settings', 'pending_invoice_item_interval',
  'proration_behavior', 'transfer_data', 'trial_from_plan', 'trial_settings',
];
const EXPANDABLE = ['customer', 'default_payment_method', 'default_tax_rates', 'discounts', 'latest_invoice', 'latest_invoice.discounts'];
const MAX_TRIAL_SECONDS = 730 * 86_400;

export function getSubscription(store: Store, id: string): SandboxObject {
  const subscription = store.subscriptions.get(id);
  if (!subscription) throw noSuch('subscription', id);
  return subscription;
}

export function viewSubscription(store: Store, subscription: SandboxObject, expand: readonly string[]): SandboxObject {
  const out = expand.includes('default_tax_rates') ? structuredClone(subscription) : publicSubscription(subscription);
  if (expand.includes('customer')) out.customer = structuredClone(store.customers.get(String(subscription.customer)) ?? subscription.customer);
  if (expand.includes('default_payment_method') && subscription.default_payment_method) {
    out.default_payment_method = structuredClone(store.paymentMethods.get(String(subscription.default_payment_method)) ?? null);
  }
  if (expand.includes('discounts')) out.discounts = (subscription.discounts as string[]).map((id) => structuredClone(store.discounts.get(id) ?? id));
  const invoice = store.invoices.get(String(subscription.latest_invoice));
  if (expand.includes('latest_invoice') && invoice) {
    out.latest_invoice = viewInvoice(store, invoice, expand.filter((e) => e.startsWith('latest_invoice.')).map((e) => e.slice('latest_invoice.'.length)));
  }
  return out;
}

function items(store: Store, body: FormObject): SubscriptionItemSpec[] {
  const list = hashList(body, 'items');
  if (!list || list.length === 0) throw invalid('Missing required param: items.', { code: 'parameter_missing', param: 'items' });
  if (list.length > 20) throw invalid('A subscription can have at most 20 items.', { param: 'items' });
  return list.map((item, i) => {
    const at = `items[${i}]`;
    only(item, ['metadata', 'price', 'quantity'], at, ['billing_thresholds', 'current_trial', 'discounts', 'plan', 'price_data', 'tax_rates']);
    const priceId = nonEmpty(item, 'price', at);
    if (priceId === undefined) throw invalid(`Missing required param: ${at}[price].`, { code: 'parameter_missing', param: `${at}[price]` });
    const price = store.prices.get(priceId);
    if (!price) throw noSuch('price', priceId, `${at}[price]`);
    const quantity = int(item, 'quantity', at) ?? 1;
    if (quantity < 0) throw invalid(`Invalid ${at}[quantity]: must be at least 0`, { param: `${at}[quantity]` });
    return { price, quantity, metadata: applyMetadata({}, item), param: `${at}[price]` };
  });
}

/** trial_end ('now' = none) or trial_period_days, as a unix time or null. */
export function trialEnd(store: Store, body: FormObject, at?: string, minimumSeconds = 1): number | null {
  const name = (key: string): string => (at ? `${at}[${key}]` : key);
  const rawEnd = str(body, 'trial_end', at);
  const days = int(body, 'trial_period_days', at);
  if (rawEnd !== undefined && days !== undefined) {
    throw invalid('You may only specify one of these parameters: trial_end, trial_period_days.', { param: name('trial_end') });
  }
  const now = store.nowSeconds();
  if (days !== undefined) {
    if (days < (at ? 1 : 0) || days > 730) throw invalid(`Invalid ${name('trial_period_days')}: must be between ${at ? 1 : 0} and 730`, { param: name('trial_period_days') });
    return days === 0 ? null : now + days * 86_400;
  }
  if (rawEnd === undefined || (rawEnd === 'now' && !at)) return null;
  const end = int(body, 'trial_end', at) as number;
  if (end < now + minimumSeconds || end > now + MAX_TRIAL_SECONDS) {
    const message = minimumSeconds > 1 ? 'at least 48 hours in the future' : 'in the future';
    throw invalid(`Invalid ${name('trial_end')}: must be ${message} and at most two years away.`, { param: name('trial_end') });
  }
  return end;
}

function create({ store, body, expand, request }: RouteContext): SandboxObject {
  only(body, CREATE_PARAMS, undefined, UNMODELED);
  checkExpand(expand, EXPANDABLE);
  const customerId = nonEmpty(body, 'customer');
  if (customerId === undefined) throw invalid('Missing required param: customer.', { code: 'parameter_missing', param: 'customer' });
  const customer = store.customers.get(customerId);
  if (!customer) throw noSuch('customer', customerId, 'customer');
  const itemSpecs = items(store, body);
  const defaultPm = nullableStr(body, 'default_payment_method') ?? null;
  if (defaultPm !== null && store.paymentMethods.get(defaultPm)?.customer !== customer.id) {
    const message = `The customer does not have a payment method with the ID ${defaultPm}. The payment method must be attached to the customer.`;
    throw invalid(message, { code: 'resource_missing', param: 'default_payment_method' });
  }
  const now = store.nowSeconds();
  const backdate = int(body, 'backdate_start_date');
  if (backdate !== undefined && backdate >= now) throw invalid('backdate_start_date must be in the past.', { param: 'backdate_start_date' });
  const trial = trialEnd(store, body);
  if (backdate !== undefined && trial !== null) throw invalid('the Stripe sandbox does not model a backdated subscription with a trial', { code: 'sandbox_unsupported', param: 'backdate_start_date' });
  bool(body, 'off_session');
  const { subscription } = startSubscription(store, request, {
    customer, items: itemSpecs, defaultPaymentMethod: defaultPm, taxRates: taxRateList(store, body.default_tax_rates, 'default_tax_rates'),
    discounts: parseDiscounts(store, body, 'discounts'), trialEnd: trial, startDate: backdate ?? now, metadata: applyMetadata({}, body),
    description: nullableStr(body, 'description') ?? null, checkoutSession: null,
    paymentBehavior: (oneOf(body, 'payment_behavior', ['allow_incomplete', 'default_incomplete', 'error_if_incomplete'], undefined) ?? 'allow_incomplete') as PaymentBehavior,
  });
  return viewSubscription(store, subscription, expand);
}

const STATUSES = ['active', 'all', 'canceled', 'ended', 'incomplete', 'incomplete_expired', 'past_due', 'paused', 'trialing', 'unpaid'] as const;

function listSubscriptions({ store, body, expand }: RouteContext): unknown {
  only(body, ['customer', 'ending_before', 'expand', 'limit', 'price', 'starting_after', 'status'], undefined, [
    'automatic_tax', 'collection_method', 'created', 'current_period_end', 'current_period_start', 'customer_account', 'plan', 'test_clock',
  ]);
  const customer = str(body, 'customer');
  const price = str(body, 'price');
  const status = oneOf(body, 'status', STATUSES);
  // Without a status filter Stripe lists every subscription that is not canceled.
  const statusMatches = (s: unknown): boolean =>
    status === 'all' || (status === undefined ? s !== 'canceled' : status === 'ended' ? s === 'canceled' || s === 'incomplete_expired' : s === status);
  const all = [...store.subscriptions.values()].filter((s) => statusMatches(s.status) && (customer === undefined || s.customer === customer)
    && (price === undefined || (s.items as { data: Array<{ price: { id: string } }> }).data.some((item) => item.price.id === price)));
  const page = paginate(all, body, '/v1/subscriptions', 'subscription');
  const inner = listExpand(expand);
  checkExpand(inner, EXPANDABLE);
  return { ...page, data: page.data.map((s) => viewSubscription(store, s, inner)) };
}

function retrieve({ store, id, body, expand }: RouteContext): SandboxObject {
  only(body, ['expand']);
  checkExpand(expand, EXPANDABLE);
  return viewSubscription(store, getSubscription(store, id), expand);
}

export const subscriptionRoutes: readonly Route[] = [
  ['POST', '/v1/subscriptions', create],
  ['GET', '/v1/subscriptions', listSubscriptions],
  ['GET', '/v1/subscriptions/:id', retrieve],
  ['POST', '/v1/subscriptions/:id', (ctx) => (checkExpand(ctx.expand, EXPANDABLE), viewSubscription(ctx.store, update(ctx, getSubscription(ctx.store, ctx.id)), ctx.expand))],
  ['DELETE', '/v1/subscriptions/:id', (ctx) => (checkExpand(ctx.expand, EXPANDABLE), viewSubscription(ctx.store, cancel(ctx, getSubscription(ctx.store, ctx.id)), ctx.expand))],
];
