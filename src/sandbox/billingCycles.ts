// Subscriptions move on by the sandbox's clock as Stripe's do: when a trial ends or a period is over, the next period
// starts with a subscription_cycle invoice charged to the default card (declined or no card: past_due).
import { lineAmount, type AppliedDiscount } from './amounts';
import { expireDueSessions } from './checkoutSessions';
import { recordEvent } from './events';
import { buildSubscriptionInvoice, failedInvoice, paidInvoice } from './invoices';
import type { DiscountObject, SandboxObject, Store } from './params';
import { chargeError } from './paymentMethods';
import { periodEnd, publicSubscription } from './subscriptionModel';

type Item = { id: string; quantity: number; current_period_start: number; current_period_end: number; price: SandboxObject };
const itemsOf = (subscription: SandboxObject): Item[] => (subscription.items as { data: Item[] }).data;
const AUTOMATIC = { id: null, idempotencyKey: null };
// A sandbox left alone for years would otherwise bill every missed period in one go.
const MAX_CYCLES_PER_SWEEP = 120;

/** Renews every active or trialing subscription whose period is over; true when anything changed. */
export function advanceSubscriptions(store: Store): boolean {
  const now = store.nowSeconds();
  let changed = false;
  for (const id of [...store.subscriptions.keys()]) {
    for (let cycles = 0; cycles < MAX_CYCLES_PER_SWEEP; cycles += 1) {
      const subscription = store.subscriptions.get(id);
      const end = subscription ? itemsOf(subscription)[0]?.current_period_end : undefined;
      if (!subscription || end === undefined || end > now || !['active', 'trialing'].includes(String(subscription.status))) break;
      renew(store, subscription, end);
      changed = true;
    }
  }
  return changed;
}

/** Discounts still running at `at`: forever ones, and repeating ones until their end; a once coupon only had the first invoice. */
function runningDiscounts(store: Store, subscription: SandboxObject, at: number): AppliedDiscount[] {
  return (subscription.discounts as string[]).flatMap((id) => {
    const discount: DiscountObject | undefined = store.discounts.get(id);
    const coupon = store.coupons.get(String((discount?.source as { coupon?: string } | undefined)?.coupon));
    if (!discount || !coupon) return [];
    const running = coupon.duration === 'forever' || (coupon.duration === 'repeating' && discount.end !== null && Number(discount.end) > at);
    return running ? [{ id, coupon }] : [];
  });
}

function renew(store: Store, subscription: SandboxObject, start: number): void {
  const customer = store.customers.get(String(subscription.customer));
  if (!customer) return;
  const items = itemsOf(subscription);
  const prices = items.map((item) => store.prices.get(item.price.id) ?? item.price);
  const end = periodEnd(start, prices[0]?.recurring as Parameters<typeof periodEnd>[1]);
  const taxRates = ((subscription.default_tax_rates ?? []) as SandboxObject[]).map((rate) => store.taxRates.get(rate.id) ?? rate);
  const lines = items.map((item, i) => {
    const price = prices[i] ?? item.price;
    return { subscriptionItem: item.id, price, quantity: item.quantity, amount: lineAmount(price, item.quantity) };
  });
  const draft = buildSubscriptionInvoice(store, {
    customer, subscription, lines, discounts: runningDiscounts(store, subscription, start), taxRates, periodStart: start, periodEnd: end,
    trial: false, billingReason: 'subscription_cycle', createdAt: start,
  });
  const settings = customer.invoice_settings as { default_payment_method: string | null };
  const pmId = (subscription.default_payment_method as string | null) ?? settings.default_payment_method;
  const due = Number(draft.amount_due);
  const declined = due > 0 && (pmId === null || chargeError(store.paymentMethods.get(pmId)) !== undefined);
  const invoice = due === 0 ? paidInvoice(store, draft, false) : declined ? failedInvoice(draft) : paidInvoice(store, draft, true);
  const next: SandboxObject = {
    ...subscription, latest_invoice: invoice.id, status: invoice.status === 'paid' ? 'active' : 'past_due',
    items: { ...(subscription.items as object), data: items.map((item) => ({ ...item, current_period_start: start, current_period_end: end })) },
  };
  store.customers.set(customer.id, { ...customer, next_invoice_sequence: Number(customer.next_invoice_sequence ?? 1) + 1 });
  store.invoices.set(invoice.id, invoice);
  store.subscriptions.set(next.id, next);
  recordEvent(store, AUTOMATIC, 'invoice.created', draft);
  recordEvent(store, AUTOMATIC, 'invoice.finalized', draft);
  recordEvent(store, AUTOMATIC, invoice.status === 'paid' ? 'invoice.paid' : 'invoice.payment_failed', invoice);
  const before = publicSubscription(subscription);
  const after = publicSubscription(next);
  const previous = Object.fromEntries(Object.entries(before).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(after[key])));
  recordEvent(store, AUTOMATIC, 'customer.subscription.updated', after, previous);
}

/** Everything the clock moves on its own: sessions past expires_at expire, periods that ended renew. True when anything changed. */
export function sweepDue(store: Store): boolean {
  const expired = expireDueSessions(store);
  const renewed = advanceSubscriptions(store);
  return forgetOldEvents(store) || expired || renewed;
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
