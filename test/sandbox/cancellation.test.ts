import { describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { NOW, monthlyPrice, payingCustomer, stripeError, useStripeSandbox } from '../support/stripeSandboxTesting';

const DAY = 86_400;
const PERIOD = 30 * DAY;

describe('cancelling subscriptions now, at period end or at a date (Stripe sandbox, real SDK)', () => {
  const the = useStripeSandbox();
  const at = (unixSeconds: number): void => {
    the.clock.now = unixSeconds * 1000;
  };
  const eventTypes = async (): Promise<string[]> => (await the.stripe.events.list({ limit: 100 })).data.map((e) => e.type).reverse();

  it('prorate + invoice_now: a final invoice credits the unused time to the customer balance, nothing is refunded', async () => {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 3000);
    const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    at(NOW + 10 * DAY);
    const canceled = await the.stripe.subscriptions.cancel(subscription.id, { prorate: true, invoice_now: true, expand: ['latest_invoice'] });
    // Unused: 3000 × 20/30 = 2000, credited.
    const final = canceled.latest_invoice as Stripe.Invoice;
    expect(final.lines.data.map((l) => [l.amount, l.parent?.subscription_item_details?.proration])).toEqual([[-2000, true]]);
    expect(final).toMatchObject({ total: -2000, amount_due: 0, status: 'paid', ending_balance: -2000 });
    expect(canceled).toMatchObject({ status: 'canceled', canceled_at: NOW + 10 * DAY, ended_at: NOW + 10 * DAY, cancellation_details: { reason: 'cancellation_requested' } });
    expect(((await the.stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance).toBe(-2000);
    expect(await eventTypes()).toContain('customer.subscription.deleted');
  });

  it('prorate without invoice_now leaves the credit as a pending invoice item; a plain cancel credits nothing', async () => {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 3000);
    const prorated = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const plain = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    at(NOW + 25 * DAY);
    await the.stripe.subscriptions.cancel(prorated.id, { prorate: true });
    await the.stripe.subscriptions.cancel(plain.id);
    // 5 of 30 days unused: 3000 / 6 = 500.
    expect((await the.stripe.invoiceItems.list({ pending: true })).data.map((i) => i.amount)).toEqual([-500]);
    expect(((await the.stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance).toBe(0);
  });

  it('cancel_at_period_end: no renewal; the subscription ends at the period end by the clock, and can be undone before', async () => {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 1000);
    const ending = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const undone = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    at(NOW + 5 * DAY);
    const scheduled = await the.stripe.subscriptions.update(ending.id, { cancel_at_period_end: true });
    expect(scheduled).toMatchObject({ status: 'active', cancel_at_period_end: true, cancel_at: NOW + PERIOD, canceled_at: NOW + 5 * DAY });
    await the.stripe.subscriptions.update(undone.id, { cancel_at_period_end: true });
    const kept = await the.stripe.subscriptions.update(undone.id, { cancel_at_period_end: false });
    expect(kept).toMatchObject({ cancel_at_period_end: false, cancel_at: null, canceled_at: null });

    at(NOW + PERIOD - 1);
    expect((await the.stripe.subscriptions.retrieve(ending.id)).status).toBe('active');
    at(NOW + PERIOD + 60);
    expect(await the.stripe.subscriptions.retrieve(ending.id)).toMatchObject({ status: 'canceled', ended_at: NOW + PERIOD });
    expect((await the.stripe.invoices.list({ subscription: ending.id })).data).toHaveLength(1);
    expect((await the.stripe.invoices.list({ subscription: undone.id })).data).toHaveLength(2);
    const deleted = (await the.stripe.events.list({ type: 'customer.subscription.deleted' })).data;
    expect(deleted.map((e) => (e.data.object as Stripe.Subscription).id)).toEqual([ending.id]);
  });

  it('cancel_at a date ends it then (with proration_behavior=none); a past date or a canceled subscription is refused', async () => {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 1000);
    const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const endAt = NOW + 12 * DAY;
    await the.stripe.subscriptions.update(subscription.id, { cancel_at: endAt, proration_behavior: 'none' });
    expect(await stripeError(() => the.stripe.subscriptions.update(subscription.id, { cancel_at: NOW - 1, proration_behavior: 'none' }))).toMatchObject({ statusCode: 400, param: 'cancel_at' });
    at(endAt + 1);
    expect(await the.stripe.subscriptions.retrieve(subscription.id)).toMatchObject({ status: 'canceled', ended_at: endAt, cancel_at: endAt });
    expect(await stripeError(() => the.stripe.subscriptions.cancel(subscription.id))).toMatchObject({ statusCode: 400 });
    expect(await stripeError(() => the.stripe.subscriptions.update(subscription.id, { metadata: { a: 'b' }, items: [{ price: price.id }] }))).toMatchObject({ statusCode: 400 });
  });
});
