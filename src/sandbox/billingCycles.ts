// Subscriptions move on by the sandbox's clock as Stripe's do: when a trial ends or a period is over, the next period
// starts with a subscription_cycle invoice (with the pending prorations) charged to the default card (declined or no
// card: past_due, retried per collection.ts); a cancel_at that is reached ends the subscription.
import { lineAmount } from './amounts';
import { runningDiscounts, subscriptionTaxRates } from './billNow';
import { expireDueSessions } from './checkoutSessions';
import { collect, retryDuePayments } from './collection';
import { recordEvent } from './events';
import { itemLines, markBilled, pendingItems } from './invoiceItems';
import { buildSubscriptionInvoice, customerAfterInvoice } from './invoices';
import type { SandboxObject, Store } from './params';
import { endScheduledCancellations, itemsOf, subscriptionChanged } from './subscriptionEnd';
import { periodEnd } from './subscriptionModel';

const AUTOMATIC = { id: null, idempotencyKey: null };
// A sandbox left alone for years would otherwise bill every missed period in one go.
const MAX_CYCLES_PER_SWEEP = 120;

/** Renews every active or trialing subscription whose period is over (and that is not cancelled by then); true when anything changed. */
export function advanceSubscriptions(store: Store): boolean {
  const now = store.nowSeconds();
  let changed = false;
  for (const id of [...store.subscriptions.keys()]) {
    for (let cycles = 0; cycles < MAX_CYCLES_PER_SWEEP; cycles += 1) {
      const subscription = store.subscriptions.get(id);
      const end = subscription ? itemsOf(subscription)[0]?.current_period_end : undefined;
      if (!subscription || end === undefined || end > now || !['active', 'trialing'].includes(String(subscription.status))) break;
      // A subscription set to cancel at (or before) this period's end ends there instead of renewing.
      if (typeof subscription.cancel_at === 'number' && subscription.cancel_at <= end) break;
      renew(store, subscription, end);
      changed = true;
    }
  }
  return changed;
}

function renew(store: Store, subscription: SandboxObject, start: number): void {
  const customer = store.customers.get(String(subscription.customer));
  if (!customer) return;
  const items = itemsOf(subscription);
  const prices = items.map((item) => store.prices.get(item.price.id) ?? item.price);
  const end = periodEnd(start, prices[0]?.recurring as Parameters<typeof periodEnd>[1]);
  const pending = pendingItems(store, subscription.id);
  const lines = [
    ...items.map((item, i) => {
      const price = prices[i] ?? item.price;
      return { subscriptionItem: item.id, price, quantity: item.quantity, amount: lineAmount(price, item.quantity) };
    }),
    // create_prorations left these for "the next invoice": this renewal.
    ...itemLines(store, pending),
  ];
  const draft = buildSubscriptionInvoice(store, {
    customer, subscription, lines, discounts: runningDiscounts(store, subscription, start), taxRates: subscriptionTaxRates(store, subscription),
    periodStart: start, periodEnd: end, trial: false, billingReason: 'subscription_cycle', createdAt: start,
  });
  const { invoice } = collect(store, draft, subscription, customer);
  markBilled(store, pending, invoice.id);
  const next: SandboxObject = {
    ...subscription, latest_invoice: invoice.id, status: invoice.status === 'paid' ? 'active' : 'past_due',
    items: { ...(subscription.items as object), data: items.map((item) => ({ ...item, current_period_start: start, current_period_end: end })) },
  };
  store.customers.set(customer.id, customerAfterInvoice(customer, invoice));
  store.invoices.set(invoice.id, invoice);
  recordEvent(store, AUTOMATIC, 'invoice.created', draft);
  recordEvent(store, AUTOMATIC, 'invoice.finalized', draft);
  recordEvent(store, AUTOMATIC, invoice.status === 'paid' ? 'invoice.paid' : 'invoice.payment_failed', invoice);
  subscriptionChanged(store, AUTOMATIC, subscription, next);
}

/** Everything the clock moves on its own: sessions past expires_at expire, periods that ended renew. True when anything changed. */
export function sweepDue(store: Store): boolean {
  const expired = expireDueSessions(store);
  let moved = false;
  // Renewals, cancellations and payment retries feed each other (a retry that pays makes the subscription renewable again).
  for (let round = 0; round < MAX_CYCLES_PER_SWEEP; round += 1) {
    const renewed = advanceSubscriptions(store);
    const ended = endScheduledCancellations(store);
    const retried = retryDuePayments(store);
    if (!renewed && !ended && !retried) break;
    moved = true;
  }
  return forgetOldEvents(store) || expired || moved;
}

// Stripe keeps events for 30 days; so does the sandbox, whose `npm start` instance runs for months.
const EVENT_LIFETIME_SECONDS = 30 * 86_400;

function forgetOldEvents(store: Store): boolean {
  const oldest = store.nowSeconds() - EVENT_LIFETIME_SECONDS;
  let forgot = false;
  // Events are kept in the order they were recorded, so the old ones are at the front.
  for (const [id, event] of store.events) {
    if (event.created >= oldest) break;
    store.events.delete(id);
    forgot = true;
  }
  return forgot;
}
