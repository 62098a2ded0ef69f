// POST /v1/invoices/create_preview (stripe.invoices.createPreview): the invoice a change would produce, never stored.
// With `subscription`: the same plan as the update (subscriptionChanges.ts), so an update with the same proration_date
// charges exactly the previewed amount. Without it: a new subscription's first invoice, as creation would build it.
import { lineAmount } from './amounts';
import { draftImmediateInvoice, runningDiscounts, subscriptionTaxRates } from './billNow';
import { checkDiscounts, parseDiscounts } from './discounts';
import type { FormObject } from './form';
import { itemLines, pendingItems, prorationItems } from './invoiceItems';
import { buildSubscriptionInvoice } from './invoices';
import { applyMetadata, hash, hashList, int, invalid, noSuch, nonEmpty, only, type RouteContext, type Route, type SandboxObject, type Store } from './params';
import { changeOptions, planChange, withItems } from './subscriptionChanges';
import { checkItemPrices, periodEnd, pricedLines } from './subscriptionModel';
import { getSubscription } from './subscriptions';
import { taxRateList } from './taxRates';

const AT = 'subscription_details';
const DETAILS_UNMODELED = [
  'billing_mode', 'billing_schedules', 'cancel_at', 'cancel_at_period_end', 'cancel_now', 'pause', 'resume_at', 'start_date', 'trial_end',
];

function previewUpdate(store: Store, subscription: SandboxObject, customer: SandboxObject, details: FormObject): SandboxObject {
  only(details, ['billing_cycle_anchor', 'items', 'metadata', 'proration_behavior', 'proration_date'], AT, [...DETAILS_UNMODELED, 'default_tax_rates']);
  const change = planChange(store, subscription, details, changeOptions(store, details, AT));
  const next = { ...withItems(subscription, change), metadata: applyMetadata(subscription.metadata, details) };
  const newItems = itemLines(store, prorationItems(store, next, change.prorations));
  const now = store.nowSeconds();
  if (change.cycleReset || change.behavior === 'always_invoice') {
    // What the update bills at once: the new period (after a reset), the pending items, then this change's prorations.
    const spec = change.cycleReset
      ? { lines: change.cycleLines, billingReason: 'subscription_update' as const, periodStart: change.period.start, periodEnd: change.period.end }
      : { lines: [], billingReason: 'subscription_update' as const, periodStart: now, periodEnd: now };
    return draftImmediateInvoice(store, next, customer, spec, { newItems });
  }
  // create_prorations / none: the next renewal, with the new items at full price and every pending proration.
  const start = change.period.end;
  const items = change.items.map((item) => {
    const price = store.prices.get(item.price.id) ?? item.price;
    return { subscriptionItem: item.id, price, quantity: item.quantity, amount: lineAmount(price, item.quantity) };
  });
  return buildSubscriptionInvoice(store, {
    customer, subscription: next, lines: [...items, ...itemLines(store, pendingItems(store, subscription.id)), ...newItems],
    discounts: runningDiscounts(store, subscription, start), taxRates: subscriptionTaxRates(store, subscription), periodStart: start,
    periodEnd: periodEnd(start, items[0]?.price.recurring as Parameters<typeof periodEnd>[1]), trial: false, billingReason: 'subscription_cycle',
    createdAt: start, preview: true,
  });
}

function previewNew(store: Store, customer: SandboxObject, body: FormObject, details: FormObject): SandboxObject {
  only(details, ['default_tax_rates', 'items', 'metadata'], AT, [...DETAILS_UNMODELED, 'billing_cycle_anchor', 'proration_behavior', 'proration_date']);
  const list = hashList(details, 'items', AT) ?? [];
  if (list.length === 0) throw invalid(`Missing required param: ${AT}[items].`, { code: 'parameter_missing', param: `${AT}[items]` });
  const specs = list.map((item, i) => {
    const at = `${AT}[items][${i}]`;
    only(item, ['metadata', 'price', 'quantity'], at, ['billing_thresholds', 'discounts', 'plan', 'price_data', 'tax_rates']);
    const priceId = nonEmpty(item, 'price', at);
    if (priceId === undefined) throw invalid(`Missing required param: ${at}[price].`, { code: 'parameter_missing', param: `${at}[price]` });
    const price = store.prices.get(priceId);
    if (!price) throw noSuch('price', priceId, `${at}[price]`);
    const quantity = int(item, 'quantity', at) ?? 1;
    if (quantity < 0) throw invalid(`Invalid ${at}[quantity]: must be at least 0`, { param: `${at}[quantity]` });
    return { price, quantity, metadata: applyMetadata({}, item), param: `${at}[price]` };
  });
  const { currency, recurring } = checkItemPrices(specs, `${AT}[items]`);
  const lines = pricedLines(specs);
  const choices = parseDiscounts(store, body, 'discounts');
  checkDiscounts(store, choices, { customerId: customer.id, currency, subtotal: lines.reduce((sum, l) => sum + l.amount, 0) });
  const now = store.nowSeconds();
  const taxRates = taxRateList(store, details.default_tax_rates, `${AT}[default_tax_rates]`);
  // Not yet a subscription: Stripe shows no subscription id on the preview, the sandbox neither.
  const subscription = { id: null, currency, metadata: applyMetadata({}, details) } as unknown as SandboxObject;
  return buildSubscriptionInvoice(store, {
    customer, subscription, lines: lines.map((l, i) => ({ subscriptionItem: `preview_item_${i}`, price: l.price, quantity: l.quantity, amount: l.amount })),
    discounts: choices.map((choice, i) => ({ id: `preview_discount_${i}`, coupon: choice.coupon })), taxRates, periodStart: now,
    periodEnd: periodEnd(now, recurring), trial: false, preview: true,
  });
}

function createPreview({ store, body }: RouteContext): SandboxObject {
  only(body, ['customer', 'discounts', 'expand', 'subscription', 'subscription_details'], undefined, [
    'automatic_tax', 'currency', 'customer_account', 'customer_details', 'invoice_items', 'issuer', 'on_behalf_of', 'preview_mode', 'schedule', 'schedule_details',
  ]);
  const subscriptionId = nonEmpty(body, 'subscription');
  const subscription = subscriptionId === undefined ? undefined : (() => {
    try {
      return getSubscription(store, subscriptionId);
    } catch {
      throw noSuch('subscription', subscriptionId, 'subscription');
    }
  })();
  const customerId = nonEmpty(body, 'customer') ?? (subscription ? String(subscription.customer) : undefined);
  if (customerId === undefined) throw invalid('Missing required param: customer.', { code: 'parameter_missing', param: 'customer' });
  const customer = store.customers.get(customerId);
  if (!customer) throw noSuch('customer', customerId, 'customer');
  if (subscription && subscription.customer !== customerId) throw invalid('The subscription does not belong to this customer.', { param: 'subscription' });
  const details = hash(body, 'subscription_details') ?? {};
  if (!subscription) return previewNew(store, customer, body, details);
  if (body.discounts !== undefined) throw invalid('the Stripe sandbox does not preview a discount change on an existing subscription', { code: 'sandbox_unsupported', param: 'discounts' });
  if (subscription.status === 'canceled') throw invalid('No upcoming invoices for a canceled subscription.', { code: 'invoice_upcoming_none', param: 'subscription' });
  return previewUpdate(store, subscription, customer, details);
}

export const invoicePreviewRoutes: readonly Route[] = [['POST', '/v1/invoices/create_preview', createPreview]];
