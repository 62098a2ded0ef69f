// How subscriptions end: DELETE /v1/subscriptions/:id (optionally crediting unused time), a scheduled cancel_at reached
// on the sandbox clock, or the last failed payment retry. Each records customer.subscription.deleted.
import { billNow } from './billNow';
import { recordEvent } from './events';
import { pendingItems, prorationItems, storePendingItems } from './invoiceItems';
import { bool, hash, invalid, nullableStr, only, oneOf, type RequestInfo, type RouteContext, type SandboxObject, type Store } from './params';
import { prorationLines } from './proration';
import { publicSubscription } from './subscriptionModel';

type Item = { id: string; quantity: number; current_period_start: number; current_period_end: number; price: SandboxObject };
export const itemsOf = (subscription: SandboxObject): Item[] => (subscription.items as { data: Item[] }).data;
const AUTOMATIC: RequestInfo = { id: null, idempotencyKey: null };

/** Stores `next` and records customer.subscription.updated with the fields that changed as previous_attributes. */
export function subscriptionChanged(store: Store, request: RequestInfo, current: SandboxObject, next: SandboxObject): void {
  store.subscriptions.set(next.id, next);
  const before = publicSubscription(current);
  const after = publicSubscription(next);
  const previous = Object.fromEntries(Object.entries(before).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(after[key])));
  if (Object.keys(previous).length > 0) recordEvent(store, request, 'customer.subscription.updated', after, previous);
}

interface EndDetails { reason: 'cancellation_requested' | 'payment_failed'; comment?: string | null; feedback?: string | null }

/** Ends the subscription at `at`: canceled, with customer.subscription.deleted. */
export function endSubscription(store: Store, request: RequestInfo, subscription: SandboxObject, at: number, details: EndDetails): SandboxObject {
  const next: SandboxObject = {
    ...subscription, canceled_at: subscription.canceled_at ?? at, ended_at: at, status: 'canceled',
    cancellation_details: { comment: details.comment ?? null, feedback: details.feedback ?? null, feedback_option: null, reason: details.reason },
  };
  store.subscriptions.set(next.id, next);
  recordEvent(store, request, 'customer.subscription.deleted', publicSubscription(next));
  return next;
}

/** Ends every subscription whose cancel_at the clock has reached; true when any ended. */
export function endScheduledCancellations(store: Store): boolean {
  const now = store.nowSeconds();
  let ended = false;
  for (const subscription of [...store.subscriptions.values()]) {
    const at = subscription.cancel_at;
    if (typeof at !== 'number' || at > now || subscription.status === 'canceled' || subscription.status === 'incomplete_expired') continue;
    endSubscription(store, AUTOMATIC, subscription, at, { reason: 'cancellation_requested' });
    ended = true;
  }
  return ended;
}

/**
 * DELETE /v1/subscriptions/:id. `prorate=true` "will generate a proration invoice item that credits remaining unused time
 * until the subscription period end"; `invoice_now=true` "will generate a final invoice that invoices for any ... new/pending
 * proration invoice items". A negative final invoice is not refunded: as the Prorations guide documents for credit
 * prorations, the amount goes to the customer's credit balance (`customer.balance`, applied to their next invoices).
 * Without invoice_now the credit stays a pending invoice item of the customer.
 */
export function cancel({ store, id, body, request }: RouteContext, current: SandboxObject): SandboxObject {
  only(body, ['cancellation_details', 'expand', 'invoice_now', 'prorate']);
  if (current.status === 'canceled') throw invalid('A canceled subscription can only update its cancellation_details and metadata.', { param: 'id' });
  const invoiceNow = bool(body, 'invoice_now') === true;
  const prorate = bool(body, 'prorate') === true;
  const details = hash(body, 'cancellation_details') ?? {};
  only(details, ['comment', 'feedback'], 'cancellation_details');
  const feedback = oneOf(details, 'feedback', ['customer_service', 'low_quality', 'missing_features', 'other', 'switched_service', 'too_complex', 'too_expensive', 'unused'], 'cancellation_details');
  const comment = nullableStr(details, 'comment', 'cancellation_details') ?? null;
  const now = store.nowSeconds();
  const items = itemsOf(current);
  const first = items[0];
  if (prorate && first && current.status !== 'trialing') {
    const window = { periodStart: first.current_period_start, periodEnd: first.current_period_end, prorationDate: now };
    const credits = prorationLines(items.map((i) => ({ itemId: i.id, price: i.price, quantity: i.quantity })), [], window);
    storePendingItems(store, request, prorationItems(store, current, credits));
  }
  const ended = endSubscription(store, request, { ...current, canceled_at: now }, now, { reason: 'cancellation_requested', comment, feedback: feedback ?? null });
  const customer = store.customers.get(String(current.customer));
  if (invoiceNow && customer && pendingItems(store, id).length > 0) {
    const { invoice } = billNow(store, request, ended, customer, { lines: [], billingReason: 'manual', periodStart: now, periodEnd: now });
    store.subscriptions.set(id, { ...ended, latest_invoice: invoice.id });
  }
  return store.subscriptions.get(id) ?? ended;
}
