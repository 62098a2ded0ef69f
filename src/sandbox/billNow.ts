// Invoicing a subscription outside its renewal (always_invoice, a billing-cycle reset, a cancellation with invoice_now):
// one invoice with the given lines and the subscription's pending items, finalized and charged at once.
import type { AppliedDiscount } from './amounts';
import { collect } from './collection';
import { recordEvent } from './events';
import { itemLines, markBilled, pendingItems } from './invoiceItems';
import { buildSubscriptionInvoice, customerAfterInvoice, type InvoiceInput, type InvoiceLineInput } from './invoices';
import type { DiscountObject, RequestInfo, SandboxError, SandboxObject, Store } from './params';

/** Discounts still running at `at`: forever ones, and repeating ones until their end; a once coupon only had the first invoice. */
export function runningDiscounts(store: Store, subscription: SandboxObject, at: number): AppliedDiscount[] {
  return (subscription.discounts as string[]).flatMap((id) => {
    const discount: DiscountObject | undefined = store.discounts.get(id);
    const coupon = store.coupons.get(String((discount?.source as { coupon?: string } | undefined)?.coupon));
    if (!discount || !coupon) return [];
    const running = coupon.duration === 'forever' || (coupon.duration === 'repeating' && discount.end !== null && Number(discount.end) > at);
    return running ? [{ id, coupon }] : [];
  });
}

export const subscriptionTaxRates = (store: Store, subscription: SandboxObject): SandboxObject[] =>
  ((subscription.default_tax_rates ?? []) as SandboxObject[]).map((rate) => store.taxRates.get(rate.id) ?? rate);

export interface ImmediateInvoice {
  lines: readonly InvoiceLineInput[];
  billingReason: NonNullable<InvoiceInput['billingReason']>;
  periodStart: number;
  periodEnd: number;
}

/** The invoice as it would be built now, lines first, then the subscription's pending items; nothing is stored. */
export function draftImmediateInvoice(store: Store, subscription: SandboxObject, customer: SandboxObject, spec: ImmediateInvoice, preview?: { newItems: readonly InvoiceLineInput[] }): SandboxObject {
  const now = store.nowSeconds();
  // A preview adds the items the change would create after those already pending, where the change itself stores them.
  return buildSubscriptionInvoice(store, {
    customer, subscription, lines: [...spec.lines, ...itemLines(store, pendingItems(store, subscription.id)), ...(preview?.newItems ?? [])],
    discounts: runningDiscounts(store, subscription, now), taxRates: subscriptionTaxRates(store, subscription),
    periodStart: spec.periodStart, periodEnd: spec.periodEnd, trial: false, billingReason: spec.billingReason, preview: preview !== undefined,
  });
}

/** Builds, stores and charges the invoice, bills the pending items on it and records the invoice events. */
export function billNow(store: Store, request: RequestInfo, subscription: SandboxObject, customer: SandboxObject, spec: ImmediateInvoice): { invoice: SandboxObject; decline?: SandboxError } {
  const pending = pendingItems(store, subscription.id);
  const draft = draftImmediateInvoice(store, subscription, customer, spec);
  const { invoice, decline } = collect(store, draft, subscription, customer);
  markBilled(store, pending, invoice.id);
  store.customers.set(customer.id, customerAfterInvoice(customer, invoice));
  store.invoices.set(invoice.id, invoice);
  recordEvent(store, request, 'invoice.created', draft);
  recordEvent(store, request, 'invoice.finalized', draft);
  recordEvent(store, request, invoice.status === 'paid' ? 'invoice.paid' : 'invoice.payment_failed', invoice);
  return { invoice, ...(decline ? { decline } : {}) };
}
