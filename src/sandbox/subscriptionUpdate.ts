// POST /v1/subscriptions/:id: items (quantity, price, added, deleted) with Stripe's prorations, scheduled cancellation,
// metadata, description and discounts. always_invoice bills the prorations at once; create_prorations leaves them as
// pending invoice items for the next renewal; none changes the items without money.
import { billNow } from './billNow';
import { checkDiscounts, parseDiscounts, redeemDiscounts } from './discounts';
import type { FormObject } from './form';
import { prorationItems, storePendingItems } from './invoiceItems';
import { applyMetadata, bool, invalid, nullableStr, only, str, type RouteContext, type SandboxObject, type Store } from './params';
import { changeOptions, planChange, withItems } from './subscriptionChanges';
import { subscriptionChanged } from './subscriptionEnd';
import { pricedLines } from './subscriptionModel';

const UPDATE_PARAMS = [
  'billing_cycle_anchor', 'cancel_at', 'cancel_at_period_end', 'description', 'discounts', 'expand', 'items', 'metadata', 'off_session',
  'payment_behavior', 'proration_behavior', 'proration_date',
];
// Real Stripe params the sandbox does not emulate: refused loudly, never ignored.
const UNMODELED = [
  'add_invoice_items', 'application_fee_percent', 'automatic_tax', 'billing_schedules', 'billing_thresholds', 'cancellation_details',
  'collection_method', 'days_until_due', 'default_payment_method', 'default_source', 'default_tax_rates', 'invoice_settings', 'on_behalf_of',
  'pause_collection', 'payment_settings', 'pending_invoice_item_interval', 'transfer_data', 'trial_end', 'trial_from_plan', 'trial_settings',
];

/** cancel_at / cancel_at_period_end: the time the subscription ends (null: not scheduled), or undefined when untouched. */
function cancellation(store: Store, body: FormObject, periodEnd: number, prorate: boolean): number | null | undefined {
  const atPeriodEnd = bool(body, 'cancel_at_period_end');
  const raw = str(body, 'cancel_at');
  if (atPeriodEnd === true && raw !== undefined && raw !== '') {
    throw invalid('You may only specify one of these parameters: cancel_at, cancel_at_period_end.', { param: 'cancel_at' });
  }
  if (atPeriodEnd !== undefined && raw === undefined) return atPeriodEnd ? periodEnd : null;
  if (raw === undefined) return undefined;
  if (raw === '') return null;
  if (!/^\d+$/.test(raw)) throw invalid('the Stripe sandbox only models cancel_at as a unix timestamp', { code: 'sandbox_unsupported', param: 'cancel_at' });
  const at = Number(raw);
  if (at <= store.nowSeconds()) throw invalid('Invalid cancel_at: must be in the future.', { param: 'cancel_at' });
  // Ending before the period ends would credit the cut-off time; the sandbox models only the proration-free case.
  if (at < periodEnd && prorate) {
    throw invalid('the Stripe sandbox models cancel_at before the period end only with proration_behavior=none', { code: 'sandbox_unsupported', param: 'cancel_at' });
  }
  return at;
}

export function update({ store, body, request }: RouteContext, current: SandboxObject): SandboxObject {
  only(body, UPDATE_PARAMS, undefined, UNMODELED);
  if (current.status === 'canceled' || current.status === 'incomplete_expired') {
    throw invalid('A canceled subscription can only update its cancellation_details and metadata.', { param: 'id' });
  }
  const behavior = str(body, 'payment_behavior');
  if (behavior !== undefined && behavior !== 'allow_incomplete') {
    throw invalid(`the Stripe sandbox models only payment_behavior=allow_incomplete on update, not ${behavior}`, { code: 'sandbox_unsupported', param: 'payment_behavior' });
  }
  bool(body, 'off_session');
  const customer = store.customers.get(String(current.customer));
  if (!customer) throw invalid(`No such customer: '${String(current.customer)}'`);
  const change = planChange(store, current, body, changeOptions(store, body, ''));
  const cancelAt = cancellation(store, body, change.period.end, change.behavior !== 'none');
  const discountChoices = body.discounts === undefined ? undefined : parseDiscounts(store, body, 'discounts');
  if (discountChoices) {
    checkDiscounts(store, discountChoices, { customerId: customer.id, currency: String(current.currency), subtotal: pricedLines(change.items.map((i) => ({ ...i, metadata: {}, param: '' }))).reduce((s, l) => s + l.amount, 0) });
  }
  const now = store.nowSeconds();
  let next: SandboxObject = {
    ...withItems(current, change), metadata: applyMetadata(current.metadata, body),
    ...(body.description !== undefined ? { description: nullableStr(body, 'description') ?? null } : {}),
    ...(cancelAt !== undefined ? { cancel_at: cancelAt, cancel_at_period_end: cancelAt !== null && cancelAt === change.period.end, canceled_at: cancelAt === null ? null : now } : {}),
  };
  if (discountChoices) {
    const applied = redeemDiscounts(store, discountChoices, { customer: customer.id, subscription: current.id, checkoutSession: null });
    next = { ...next, discounts: applied.map((d) => d.id) };
  }
  const items = prorationItems(store, next, change.prorations);
  const invoiceAtOnce = change.cycleReset || (change.behavior === 'always_invoice' && items.length > 0);
  if (items.length > 0) storePendingItems(store, request, items);
  if (invoiceAtOnce) {
    const lines = change.cycleLines;
    const { invoice, decline } = billNow(store, request, next, customer, {
      lines, billingReason: 'subscription_update', periodStart: change.cycleReset ? change.period.start : now, periodEnd: change.cycleReset ? change.period.end : now,
    });
    next = { ...next, latest_invoice: invoice.id, ...(decline ? { status: 'past_due' } : {}) };
  }
  subscriptionChanged(store, request, current, next);
  return next;
}
