// Paying a Checkout Session with a test card: what Stripe does when the customer presses Pay on its hosted page.
import { checkDiscounts, parseDiscounts } from './discounts';
import { recordEvent } from './events';
import { SandboxError, invalid, newId, type RequestInfo, type SandboxObject, type Store } from './params';
import { chargeError, prepareAttach } from './paymentMethods';
import { checkItemPrices, pricedLines, startSubscription, type SubscriptionItemSpec } from './subscriptionModel';
import { getSession, publicSession, sessionPlan } from './checkoutSessions';
import { taxRateList } from './taxRates';

/** Why a session cannot be paid any more, as Stripe's hosted page would say it; 4xx. */
export class CheckoutClosedError extends SandboxError {}

function newCustomer(store: Store, email: string | null): SandboxObject {
  return {
    id: newId('cus', 14), object: 'customer', address: null, balance: 0, created: store.nowSeconds(), currency: null, default_source: null,
    delinquent: false, description: null, discount: null, email, invoice_prefix: newId('x', 8).slice(2).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null }, livemode: false,
    metadata: {}, name: null, next_invoice_sequence: 1, phone: null, preferred_locales: [], shipping: null, tax_exempt: 'none', test_clock: null,
  };
}

/**
 * Completes an open session: attaches the card to the customer (made first when the session has none), starts the
 * subscription with the session's items, discounts and subscription_data, pays its first invoice, marks the session
 * complete and records the events. Any refusal (expired, complete, declined card, discount no longer valid) changes nothing.
 */
export function completeCheckoutSession(store: Store, request: RequestInfo, sessionId: string, paymentMethod = 'pm_card_visa'): SandboxObject {
  const session = getSession(store, sessionId);
  if (session.status !== 'open') {
    const message = session.status === 'complete' ? 'This Checkout Session is already complete.' : 'This Checkout Session has expired.';
    throw new CheckoutClosedError(409, { type: 'invalid_request_error', message });
  }
  const plan = sessionPlan(session);
  const items: SubscriptionItemSpec[] = plan.items.map((item, i) => {
    const price = store.prices.get(item.price);
    if (!price) throw invalid(`No such price: '${item.price}'`, { code: 'resource_missing', param: `line_items[${i}][price]` });
    return { price, quantity: item.quantity, metadata: {}, param: `line_items[${i}][price]` };
  });
  const { currency } = checkItemPrices(items, 'line_items');
  const discounts = parseDiscounts(store, { discounts: plan.discounts }, 'discounts', undefined, 1);
  const existing = session.customer === null ? null : store.customers.get(String(session.customer)) ?? null;
  checkDiscounts(store, discounts, { customerId: existing?.id ?? null, currency, subtotal: pricedLines(items).reduce((sum, l) => sum + l.amount, 0) });
  const taxRates = taxRateList(store, plan.subscriptionData.default_tax_rates, 'subscription_data[default_tax_rates]');
  const customer = existing ?? newCustomer(store, session.customer_email as string | null);
  const pm = prepareAttach(store, paymentMethod, customer.id, 'payment_method');
  const decline = plan.subscriptionData.trial_end === null ? chargeError(pm) : undefined;
  if (decline) throw decline;

  if (!existing) store.customers.set(customer.id, customer);
  store.paymentMethods.set(pm.id, pm);
  recordEvent(store, request, 'payment_method.attached', pm);
  const { subscription, invoice } = startSubscription(store, request, {
    customer: store.customers.get(customer.id) ?? customer, items, defaultPaymentMethod: pm.id, taxRates, discounts,
    trialEnd: plan.subscriptionData.trial_end, startDate: store.nowSeconds(), metadata: plan.subscriptionData.metadata,
    description: plan.subscriptionData.description, paymentBehavior: 'error_if_incomplete', checkoutSession: session.id,
  });
  const paid = store.customers.get(customer.id) ?? customer;
  const completed: SandboxObject = {
    ...session, status: 'complete', payment_status: Number(invoice.amount_paid) > 0 ? 'paid' : 'no_payment_required', customer: customer.id,
    subscription: subscription.id, invoice: invoice.id,
    customer_details: {
      address: paid.address, business_name: null, email: paid.email, individual_name: null, name: paid.name, phone: paid.phone,
      tax_exempt: paid.tax_exempt, tax_ids: [],
    },
  };
  store.checkoutSessions.set(session.id, completed);
  recordEvent(store, request, 'checkout.session.completed', publicSession(completed));
  return completed;
}
