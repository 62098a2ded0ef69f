// Collecting invoices: charging the card (or declining on purpose when a test asked for it), paying an open invoice
// (POST /v1/invoices/:id/pay), and Stripe's automatic retries of a failed subscription payment.
import { recordEvent } from './events';
import { failedInvoice, getInvoice, paidInvoice, viewInvoice } from './invoices';
import {
  SandboxError, checkExpand, invalid, noSuch, nonEmpty, only, type RequestInfo, type Route, type RouteContext, type SandboxObject, type Store,
} from './params';
import { chargeError } from './paymentMethods';
import { endSubscription, subscriptionChanged } from './subscriptionEnd';

const AUTOMATIC: RequestInfo = { id: null, idempotencyKey: null };
const DAY = 86_400;
/**
 * Stripe's Smart Retries pick their times by machine learning, which nothing can reproduce; the sandbox follows a fixed
 * "custom retry schedule" instead: retries 3, 5 and 7 days after the previous attempt, and when all retries for a
 * payment fail, "cancel the subscription" (the customer.subscription.deleted path). Without a payment method Stripe does
 * not retry, so neither does the sandbox (the subscription stays past_due).
 */
export const RETRY_AFTER_DAYS = [3, 5, 7] as const;

const declinedOnPurpose = (): SandboxError => new SandboxError(402, {
  type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.',
  doc_url: 'https://stripe.com/docs/error-codes/card-declined',
});

/** The payment method Stripe charges: the subscription's default, else the customer's invoice default. */
export function paymentMethodFor(customer: SandboxObject, subscription: SandboxObject | null): string | null {
  const settings = customer.invoice_settings as { default_payment_method: string | null };
  return (subscription?.default_payment_method as string | null | undefined) ?? settings.default_payment_method ?? null;
}

/** Charges `pmId` for `customerId`: the decline, or undefined when it went through. A scheduled decline is used up here. */
export function charge(store: Store, customerId: string, pmId: string | null): SandboxError | undefined {
  if (pmId === null) return invalid('This customer has no attached payment source or default payment method.');
  if (store.scheduledDeclines.delete(customerId)) return declinedOnPurpose();
  return chargeError(store.paymentMethods.get(pmId));
}

/** Sandbox test control: the customer's next charge is declined (a renewal, an update's invoice, a retry, a pay call). */
export function scheduleDecline(store: Store, customerId: string): SandboxObject {
  if (!store.customers.has(customerId)) throw noSuch('customer', customerId);
  const at = store.nowSeconds();
  store.scheduledDeclines.set(customerId, { id: customerId, object: 'sandbox.scheduled_decline', created: at, livemode: false });
  return { id: customerId, object: 'sandbox.scheduled_decline', created: at, livemode: false, metadata: {}, customer: customerId, fail_next_payment: true };
}

/**
 * Charges a finalized subscription invoice: paid, or open with its failed attempt (and, for a renewal or an update
 * with a card on file, the next retry in `next_payment_attempt`). Returns the invoice and the decline if any.
 */
export function collect(store: Store, draft: SandboxObject, subscription: SandboxObject, customer: SandboxObject): { invoice: SandboxObject; decline?: SandboxError } {
  if (Number(draft.amount_due) === 0) return { invoice: paidInvoice(store, draft, false) };
  const pmId = paymentMethodFor(customer, subscription);
  const decline = charge(store, customer.id, pmId);
  if (!decline) return { invoice: paidInvoice(store, draft, true) };
  const retries = pmId !== null && draft.billing_reason !== 'subscription_create';
  // Counted from the attempt, which for a renewal the sandbox noticed late is still the period's start (the invoice's created).
  return { invoice: { ...failedInvoice(draft), next_payment_attempt: retries ? Number(draft.created) + (RETRY_AFTER_DAYS[0] ?? 0) * DAY : null }, decline };
}

/** After a paid invoice, a past_due subscription is active again (customer.subscription.updated). */
function restore(store: Store, request: RequestInfo, invoice: SandboxObject): void {
  const id = (invoice.parent as { subscription_details?: { subscription?: string } } | null)?.subscription_details?.subscription;
  const subscription = id ? store.subscriptions.get(id) : undefined;
  if (!subscription || subscription.status !== 'past_due') return;
  subscriptionChanged(store, request, subscription, { ...subscription, status: 'active' });
}

const subscriptionOf = (store: Store, invoice: SandboxObject): SandboxObject | undefined => {
  const id = (invoice.parent as { subscription_details?: { subscription?: string } } | null)?.subscription_details?.subscription;
  return id ? store.subscriptions.get(id) : undefined;
};

/** One more attempt on an open invoice at `at`; `retry` when it is an automatic retry (which may end the subscription). */
function attempt(store: Store, request: RequestInfo, invoice: SandboxObject, pmId: string | null, retry: boolean, at = store.nowSeconds()): SandboxError | undefined {
  const decline = charge(store, String(invoice.customer), pmId);
  const attempts = Number(invoice.attempt_count) + 1;
  if (!decline) {
    const paid = { ...paidInvoice(store, invoice, true), attempt_count: attempts, next_payment_attempt: null };
    store.invoices.set(paid.id, paid);
    recordEvent(store, request, 'invoice.paid', paid);
    restore(store, request, paid);
    return undefined;
  }
  const delay = RETRY_AFTER_DAYS[attempts - 1];
  const exhausted = retry && delay === undefined;
  const failed = { ...invoice, attempt_count: attempts, attempted: true, next_payment_attempt: retry && delay !== undefined ? at + delay * DAY : invoice.next_payment_attempt ?? null };
  store.invoices.set(failed.id, failed);
  recordEvent(store, request, 'invoice.payment_failed', failed);
  const subscription = subscriptionOf(store, failed);
  if (exhausted && subscription && subscription.status !== 'canceled') {
    endSubscription(store, request, subscription, at, { reason: 'payment_failed' });
  }
  return decline;
}

/** Runs every automatic retry that is due by the clock; true when any ran. */
export function retryDuePayments(store: Store): boolean {
  const now = store.nowSeconds();
  let ran = false;
  for (const invoice of [...store.invoices.values()]) {
    const due = invoice.next_payment_attempt;
    if (invoice.status !== 'open' || typeof due !== 'number' || due > now) continue;
    const subscription = subscriptionOf(store, invoice);
    const customer = store.customers.get(String(invoice.customer));
    if (!customer || subscription?.status === 'canceled') {
      store.invoices.set(invoice.id, { ...invoice, next_payment_attempt: null });
      continue;
    }
    attempt(store, AUTOMATIC, invoice, paymentMethodFor(customer, subscription ?? null), true, due);
    ran = true;
  }
  return ran;
}

function pay({ store, id, body, expand, request }: RouteContext): SandboxObject {
  only(body, ['expand', 'off_session', 'payment_method'], undefined, ['forgive', 'mandate', 'paid_out_of_band', 'source']);
  checkExpand(expand, ['customer', 'discounts']);
  const invoice = getInvoice(store, id);
  if (invoice.status === 'paid') throw invalid('Invoice is already paid', { code: 'invoice_already_paid' });
  if (invoice.status !== 'open') throw invalid(`You can only pay an invoice that is open, not one that is ${String(invoice.status)}.`, { code: 'invoice_not_editable' });
  const customer = store.customers.get(String(invoice.customer));
  if (!customer) throw noSuch('customer', String(invoice.customer));
  const given = nonEmpty(body, 'payment_method');
  if (given !== undefined && store.paymentMethods.get(given)?.customer !== customer.id) {
    throw invalid(`The customer does not have a payment method with the ID ${given}. The payment method must be attached to the customer.`, { code: 'resource_missing', param: 'payment_method' });
  }
  const pmId = given ?? paymentMethodFor(customer, subscriptionOf(store, invoice) ?? null);
  if (pmId === null) throw invalid('This customer has no attached payment source or default payment method.');
  const decline = attempt(store, request, invoice, pmId, false);
  // Stripe answers a declined pay call with the card error; the failed attempt is already recorded.
  if (decline) throw decline;
  return viewInvoice(store, getInvoice(store, id), expand);
}

export const collectionRoutes: readonly Route[] = [
  ['POST', '/v1/invoices/:id/pay', pay],
  // Sandbox-only test control (not a Stripe endpoint): the customer's next charge is declined.
  ['POST', '/_sandbox/customers/:id/fail_next_payment', ({ store, id, body }) => (only(body, []), scheduleDecline(store, id))],
];
