import { describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { SANDBOX_SECRET_KEY } from '../../src/sandbox/secretKey';
import { NOW, monthlyPrice, payingCustomer, stripeError, useStripeSandbox } from '../support/stripeSandboxTesting';

const DAY = 86_400;
const PERIOD = 30 * DAY;

describe('failing a payment on purpose, paying later, and the retry schedule (Stripe sandbox, real SDK)', () => {
  const the = useStripeSandbox();
  const at = (unixSeconds: number): void => {
    the.clock.now = unixSeconds * 1000;
  };
  const failNextPaymentOverHttp = async (customerId: string): Promise<Response> =>
    fetch(`${the.sandbox.url}/_sandbox/customers/${customerId}/fail_next_payment`, { method: 'POST', headers: { Authorization: `Bearer ${SANDBOX_SECRET_KEY}` } });
  const types = async (type: string): Promise<Stripe.Event[]> => (await the.stripe.events.list({ type, limit: 100 })).data.reverse();

  it('declines the next renewal: invoice open, invoice.payment_failed, past_due; paying it later sends invoice.paid and restores active', async () => {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 1500);
    const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const control = await failNextPaymentOverHttp(customer.id);
    expect(control.status).toBe(200);
    at(NOW + PERIOD + 60);
    const lapsed = await the.stripe.subscriptions.retrieve(subscription.id, { expand: ['latest_invoice'] });
    // The renewal was attempted at the period's start; the first retry is 3 days after it.
    expect(lapsed).toMatchObject({ status: 'past_due', latest_invoice: { status: 'open', attempt_count: 1, amount_due: 1500, next_payment_attempt: NOW + PERIOD + 3 * DAY } });
    expect((await types('invoice.payment_failed')).map((e) => (e.data.object as Stripe.Invoice).id)).toEqual([(lapsed.latest_invoice as Stripe.Invoice).id]);

    const paid = await the.stripe.invoices.pay((lapsed.latest_invoice as Stripe.Invoice).id);
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 1500, attempt_count: 2, next_payment_attempt: null });
    expect((await the.stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
    const updated = (await types('customer.subscription.updated')).at(-1);
    expect(updated?.data).toMatchObject({ object: { status: 'active' }, previous_attributes: { status: 'past_due' } });
    expect((await types('invoice.paid')).at(-1)?.data.object).toMatchObject({ id: paid.id });
    expect(await stripeError(() => the.stripe.invoices.pay(paid.id))).toMatchObject({ statusCode: 400, code: 'invoice_already_paid' });
  });

  it('a declined always_invoice update leaves the change applied, the invoice open and the subscription past_due until a retry pays it', async () => {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 3000);
    const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    the.sandbox.failNextPayment(customer.id);
    at(NOW + 15 * DAY);
    const updated = await the.stripe.subscriptions.update(subscription.id, {
      items: [{ id: subscription.items.data[0]?.id, quantity: 2 }], proration_behavior: 'always_invoice', expand: ['latest_invoice'],
    });
    // Half the period: −1500 + 3000 = 1500 due, declined.
    expect(updated).toMatchObject({ status: 'past_due', latest_invoice: { status: 'open', amount_due: 1500 } });
    at(NOW + 18 * DAY);
    const recovered = await the.stripe.subscriptions.retrieve(subscription.id, { expand: ['latest_invoice'] });
    expect(recovered).toMatchObject({ status: 'active', latest_invoice: { status: 'paid', amount_paid: 1500, attempt_count: 2 } });
  });

  it('after the last retry (3, 5 and 7 days after each failure) fails, the subscription is cancelled: customer.subscription.deleted', async () => {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 1500);
    const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    // A card whose charges are all declined becomes the customer's default after the first payment.
    const failing = await the.stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    await the.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: failing.id } });
    const renewal = NOW + PERIOD;
    at(renewal + 15 * DAY - 1);
    expect((await the.stripe.subscriptions.retrieve(subscription.id)).status).toBe('past_due');
    // Attempts at renewal, +3 d, +8 d: three failures so far.
    expect(await types('invoice.payment_failed')).toHaveLength(3);
    at(renewal + 15 * DAY);
    const ended = await the.stripe.subscriptions.retrieve(subscription.id);
    expect(ended).toMatchObject({ status: 'canceled', ended_at: renewal + 15 * DAY, cancellation_details: { reason: 'payment_failed' } });
    expect(await types('invoice.payment_failed')).toHaveLength(4);
    expect((await types('customer.subscription.deleted')).map((e) => (e.data.object as Stripe.Subscription).id)).toEqual([subscription.id]);
    const [last] = (await the.stripe.invoices.list({ subscription: subscription.id })).data;
    expect(last).toMatchObject({ status: 'open', attempt_count: 4, next_payment_attempt: null });
  });

  it('refuses the control for an unknown customer, and a pay call declined by the card answers 402 with the attempt recorded', async () => {
    expect((await failNextPaymentOverHttp('cus_unknown')).status).toBe(404);
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 1000);
    const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    the.sandbox.failNextPayment(customer.id);
    at(NOW + PERIOD + 1);
    const [open] = (await the.stripe.invoices.list({ subscription: subscription.id, status: 'open' })).data;
    the.sandbox.failNextPayment(customer.id);
    expect(await stripeError(() => the.stripe.invoices.pay(String(open?.id)))).toMatchObject({ statusCode: 402, code: 'card_declined' });
    expect(await the.stripe.invoices.retrieve(String(open?.id))).toMatchObject({ status: 'open', attempt_count: 2 });
  });
});
