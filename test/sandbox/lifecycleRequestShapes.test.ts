import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { startStripeMock, stripeMockAvailable } from '../support/stripeMock';
import { NOW, monthlyPrice, payingCustomer, useStripeSandbox } from '../support/stripeSandboxTesting';

const DAY = 86_400;

interface Ids { subscription: string; item: string; price: string; customer: string; invoice: string }

// The subscription-lifecycle calls a Stripe adapter sends (issues 8 and 10), each as one request shape.
const CALLS: Array<[string, (stripe: Stripe, ids: Ids) => Promise<unknown>]> = [
  ['update: quantity, always_invoice, proration_date', (s, ids) => s.subscriptions.update(ids.subscription, { items: [{ id: ids.item, quantity: 2 }], proration_behavior: 'always_invoice', proration_date: NOW + DAY, metadata: { tollgate: 'x' } }, { idempotencyKey: `u1-${ids.subscription}` })],
  ['update: new item and deleted item, create_prorations', (s, ids) => s.subscriptions.update(ids.subscription, { items: [{ price: ids.price, quantity: 1 }, { id: ids.item, deleted: true }], proration_behavior: 'create_prorations' })],
  // stripe-mock's spec takes only the bare string; the SDK's types only `{ type: 'now' }` (the sandbox takes both).
  ['update: billing_cycle_anchor=now, none', (s, ids) => s.subscriptions.update(ids.subscription, { billing_cycle_anchor: 'now' as unknown as Stripe.SubscriptionUpdateParams.BillingCycleAnchor, proration_behavior: 'none' })],
  ['update: cancel_at_period_end', (s, ids) => s.subscriptions.update(ids.subscription, { cancel_at_period_end: true })],
  ['update: cancel_at, none', (s, ids) => s.subscriptions.update(ids.subscription, { cancel_at: NOW + 20 * DAY, proration_behavior: 'none' })],
  ['update: cancel_at unset', (s, ids) => s.subscriptions.update(ids.subscription, { cancel_at: '' })],
  ['preview an update', (s, ids) => s.invoices.createPreview({ customer: ids.customer, subscription: ids.subscription, subscription_details: { items: [{ id: ids.item, quantity: 3 }], proration_date: NOW + DAY, proration_behavior: 'always_invoice' } })],
  ['preview a new subscription', (s, ids) => s.invoices.createPreview({ customer: ids.customer, subscription_details: { items: [{ price: ids.price, quantity: 2 }] } })],
  ['pay an invoice', (s, ids) => s.invoices.pay(ids.invoice)],
  ['cancel with prorate and invoice_now', (s, ids) => s.subscriptions.cancel(ids.subscription, { prorate: true, invoice_now: true })],
];

describe.skipIf(!stripeMockAvailable)('the lifecycle requests stripe-mock accepts, the sandbox accepts too', () => {
  const the = useStripeSandbox();
  let mock: Awaited<ReturnType<typeof startStripeMock>>;
  let mockClient: Stripe;

  beforeAll(async () => {
    mock = await startStripeMock();
    const url = new URL(mock.url);
    mockClient = new Stripe('sk_test_123', { host: url.hostname, port: Number(url.port), protocol: url.protocol.replace(':', '') as 'http', maxNetworkRetries: 0 });
  });
  afterAll(async () => mock?.stop());

  /** A fresh active subscription on the sandbox, with an open invoice of the same customer to pay. */
  async function sandboxIds(): Promise<Ids> {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 1000);
    const other = await monthlyPrice(the.stripe, 500, 'Add-on');
    const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const unpaid = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    the.sandbox.failNextPayment(customer.id);
    const failed = await the.stripe.subscriptions.update(unpaid.id, { items: [{ id: unpaid.items.data[0]?.id, quantity: 2 }], proration_behavior: 'always_invoice' });
    return { subscription: subscription.id, item: String(subscription.items.data[0]?.id), price: other.id, customer: customer.id, invoice: String(failed.latest_invoice) };
  }

  for (const [name, call] of CALLS) {
    it(name, async () => {
      const canned: Ids = { subscription: 'sub_123', item: 'si_123', price: 'price_123', customer: 'cus_123', invoice: 'in_123' };
      await expect(call(mockClient, canned)).resolves.toBeDefined();
      const ids = await sandboxIds();
      // Two days into the period, so proration_date (a day in) lies in the current period and in the past.
      the.clock.now = (NOW + 2 * DAY) * 1000;
      await expect(call(the.stripe, ids)).resolves.toBeDefined();
    });
  }
});
