import { describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { NOW, monthlyPrice, payingCustomer, stripeError, useStripeSandbox } from '../support/stripeSandboxTesting';

// The first monthly period runs 2023-11-14 22:13:20Z → 2023-12-14 22:13:20Z: 30 days = 2 592 000 s.
const DAY = 86_400;
const PERIOD = 30 * DAY;

describe('subscription updates prorate to the second as Stripe documents (Stripe sandbox, real SDK)', () => {
  const the = useStripeSandbox();
  const at = (unixSeconds: number): void => {
    the.clock.now = unixSeconds * 1000;
  };
  const prorationLines = (invoice: Stripe.Invoice): Array<{ amount: number; quantity: number | null; proration: boolean | undefined; period: Stripe.InvoiceLineItem.Period }> =>
    invoice.lines.data.map((l) => ({ amount: l.amount, quantity: l.quantity, proration: l.parent?.subscription_item_details?.proration, period: l.period }));

  it('always_invoice: credits the unused old quantity, debits the new one, and charges the difference at once', async () => {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 1500);
    const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, quantity: 2 }] });
    const changeAt = NOW + 10 * DAY + 12_345;
    at(changeAt);
    const updated = await the.stripe.subscriptions.update(subscription.id, {
      items: [{ id: subscription.items.data[0]?.id, quantity: 3 }], proration_behavior: 'always_invoice', expand: ['latest_invoice'],
    });
    // Remaining: PERIOD − (10 days + 12 345 s) = 2 592 000 − 876 345 = 1 715 655 s of 2 592 000 s.
    // Credit: 1500 × 2 × 1 715 655 / 2 592 000 = 1985.72 → −1986. Debit: 1500 × 3 × 1 715 655 / 2 592 000 = 2978.57 → 2979.
    const invoice = updated.latest_invoice as Stripe.Invoice;
    expect(prorationLines(invoice)).toEqual([
      { amount: -1986, quantity: 2, proration: true, period: { start: changeAt, end: NOW + PERIOD } },
      { amount: 2979, quantity: 3, proration: true, period: { start: changeAt, end: NOW + PERIOD } },
    ]);
    // 2979 − 1986 = 993, charged to the card now.
    expect(invoice).toMatchObject({ billing_reason: 'subscription_update', status: 'paid', total: 993, amount_paid: 993 });
    expect(updated.items.data[0]).toMatchObject({ id: subscription.items.data[0]?.id, quantity: 3, current_period_end: NOW + PERIOD });
    const [event] = (await the.stripe.events.list({ type: 'customer.subscription.updated' })).data;
    expect(event?.data.object).toMatchObject({ id: subscription.id, latest_invoice: invoice.id });
    expect(event?.data.previous_attributes).toMatchObject({ latest_invoice: subscription.latest_invoice, items: { data: [{ quantity: 2 }] } });
    expect((await the.stripe.events.list({ type: 'invoice.paid' })).data[0]?.data.object).toMatchObject({ id: invoice.id });
    // The next renewal bills the new quantity in full: 1500 × 3 = 4500.
    at(NOW + PERIOD + 60);
    const renewal = (await the.stripe.invoices.list({ subscription: subscription.id })).data[0];
    expect(renewal).toMatchObject({ billing_reason: 'subscription_cycle', total: 4500 });
  });

  it('create_prorations: leaves the credit and debit as pending invoice items that the next renewal bills', async () => {
    const customer = await payingCustomer(the.stripe);
    const basic = await monthlyPrice(the.stripe, 1500, 'Basic');
    const pro = await monthlyPrice(the.stripe, 2500, 'Pro');
    const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: basic.id }] });
    at(NOW + 15 * DAY);
    const updated = await the.stripe.subscriptions.update(subscription.id, { items: [{ id: subscription.items.data[0]?.id, price: pro.id }] });
    expect(updated.latest_invoice).toBe(subscription.latest_invoice);
    // Half the period remains (15 of 30 days): credit 1500 × 1/2 = −750, debit 2500 × 1/2 = 1250.
    const pending = (await the.stripe.invoiceItems.list({ customer: customer.id, pending: true })).data;
    expect(pending.map((item) => [item.amount, item.proration]).sort()).toEqual([[-750, true], [1250, true]]);
    expect((await the.stripe.events.list({ type: 'invoiceitem.created' })).data).toHaveLength(2);
    at(NOW + PERIOD + 60);
    const [renewal] = (await the.stripe.invoices.list({ subscription: subscription.id })).data;
    // Renewal: 2500 for the new period + (1250 − 750) of prorations = 3000.
    expect(renewal).toMatchObject({ billing_reason: 'subscription_cycle', total: 3000, status: 'paid' });
    expect(renewal?.lines.data.map((l) => l.amount)).toEqual([2500, -750, 1250]);
    expect((await the.stripe.invoiceItems.list({ customer: customer.id, pending: true })).data).toEqual([]);
  });

  it('none: changes the quantity without any money until the renewal bills the new quantity', async () => {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 1000);
    const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, quantity: 1 }] });
    at(NOW + 3 * DAY);
    await the.stripe.subscriptions.update(subscription.id, { items: [{ id: subscription.items.data[0]?.id, quantity: 4 }], proration_behavior: 'none' });
    expect((await the.stripe.invoiceItems.list({ customer: customer.id })).data).toEqual([]);
    expect((await the.stripe.invoices.list({ subscription: subscription.id })).data).toHaveLength(1);
    at(NOW + PERIOD + 1);
    expect((await the.stripe.invoices.list({ subscription: subscription.id })).data[0]?.total).toBe(4000);
  });

  it('a net credit is not charged: the invoice is paid at 0 and the credit goes to the customer balance for the next invoice', async () => {
    const customer = await payingCustomer(the.stripe);
    const seats = await monthlyPrice(the.stripe, 1500, 'Seats');
    const lite = await monthlyPrice(the.stripe, 800, 'Lite');
    const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: seats.id }] });
    at(NOW + 20 * DAY);
    const updated = await the.stripe.subscriptions.update(subscription.id, {
      items: [{ id: subscription.items.data[0]?.id, deleted: true }, { price: lite.id }], proration_behavior: 'always_invoice', expand: ['latest_invoice'],
    });
    // 10 of 30 days remain: credit 1500 × 1/3 = −500; debit 800 × 1/3 = 266.67 → 267; total 267 − 500 = −233.
    const invoice = updated.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({ total: -233, amount_due: 0, status: 'paid', ending_balance: -233 });
    expect(updated.items.data.map((item) => item.price.id)).toEqual([lite.id]);
    expect((await the.stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({ balance: -233 });
    at(NOW + PERIOD + 1);
    const [renewal] = (await the.stripe.invoices.list({ subscription: subscription.id })).data;
    // 800 − 233 of credit = 567 charged; the balance is used up.
    expect(renewal).toMatchObject({ total: 800, starting_balance: -233, amount_due: 567, amount_paid: 567, ending_balance: 0 });
    expect(((await the.stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance).toBe(0);
  });

  it('a billing-period change starts a new cycle: credit for the unused month, the new year billed in full at once', async () => {
    const customer = await payingCustomer(the.stripe);
    const monthly = await monthlyPrice(the.stripe, 1500);
    const yearly = await the.stripe.prices.create({ product: String(monthly.product), currency: 'eur', unit_amount: 15_000, recurring: { interval: 'year' } });
    const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    const changeAt = NOW + 10 * DAY;
    at(changeAt);
    const updated = await the.stripe.subscriptions.update(subscription.id, {
      items: [{ id: subscription.items.data[0]?.id, price: yearly.id }], proration_behavior: 'create_prorations', expand: ['latest_invoice'],
    });
    // Unused: 1500 × 20/30 = −1000; the new year: 15 000; charged now: 14 000.
    const invoice = updated.latest_invoice as Stripe.Invoice;
    expect(invoice.lines.data.map((l) => l.amount)).toEqual([15_000, -1000]);
    expect(invoice).toMatchObject({ total: 14_000, amount_paid: 14_000, billing_reason: 'subscription_update' });
    // 2023-11-24 22:13:20Z → 2024-11-24 22:13:20Z spans 29 Feb 2024: 366 days.
    expect(updated).toMatchObject({ billing_cycle_anchor: changeAt, items: { data: [{ current_period_start: changeAt, current_period_end: changeAt + 366 * DAY }] } });
  });

  it('billing_cycle_anchor[type]=now restarts the cycle at once: credit for the unused time, the new period in full', async () => {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 1500);
    const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const changeAt = NOW + 10 * DAY;
    at(changeAt);
    const updated = await the.stripe.subscriptions.update(subscription.id, { billing_cycle_anchor: { type: 'now' }, expand: ['latest_invoice'] });
    // Unused: 1500 × 20/30 = −1000; the new month: 1500; charged 500. 2023-11-24 → 2023-12-24 is 30 days.
    expect((updated.latest_invoice as Stripe.Invoice).lines.data.map((l) => l.amount)).toEqual([1500, -1000]);
    expect(updated).toMatchObject({ billing_cycle_anchor: changeAt, latest_invoice: { total: 500 }, items: { data: [{ current_period_end: changeAt + 30 * DAY }] } });
  });

  it('prorates from proration_date when given, and refuses what it cannot do, naming the param, changing nothing', async () => {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 3000);
    const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const itemId = subscription.items.data[0]?.id;
    at(NOW + 7 * DAY);
    const updated = await the.stripe.subscriptions.update(subscription.id, {
      items: [{ id: itemId, quantity: 2 }], proration_behavior: 'always_invoice', proration_date: NOW + 6 * DAY, expand: ['latest_invoice'],
    });
    // From day 6: 24 of 30 days remain; credit 3000 × 24/30 = −2400, debit 6000 × 24/30 = 4800; charged 2400.
    expect((updated.latest_invoice as Stripe.Invoice).lines.data.map((l) => l.amount)).toEqual([-2400, 4800]);
    expect(await stripeError(() => the.stripe.subscriptions.update(subscription.id, { items: [{ id: 'si_unknown', quantity: 2 }] }))).toMatchObject({ statusCode: 400, param: 'items[0][id]' });
    expect(await stripeError(() => the.stripe.subscriptions.update(subscription.id, { proration_date: NOW + 8 * DAY }))).toMatchObject({ statusCode: 400, param: 'proration_date' });
    expect(await stripeError(() => the.stripe.subscriptions.update(subscription.id, { trial_end: 'now' }))).toMatchObject({ code: 'sandbox_unsupported', param: 'trial_end' });
    expect(await stripeError(() => the.stripe.subscriptions.update(subscription.id, { items: [{ id: itemId, quantity: 5 }], cancel_at: NOW + 20 * DAY }))).toMatchObject({ code: 'sandbox_unsupported', param: 'cancel_at' });
    const after = await the.stripe.subscriptions.retrieve(subscription.id);
    expect(after.items.data[0]?.quantity).toBe(2);
    expect(after.cancel_at).toBeNull();
  });

  it('updates metadata alone without prorations or events of money', async () => {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 1000);
    const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], metadata: { a: '1' } });
    const updated = await the.stripe.subscriptions.update(subscription.id, { metadata: { b: '2' } });
    expect(updated.metadata).toEqual({ a: '1', b: '2' });
    expect((await the.stripe.invoiceItems.list({})).data).toEqual([]);
    expect((await the.stripe.events.list({ type: 'customer.subscription.updated' })).data[0]?.data.previous_attributes).toEqual({ metadata: { a: '1' } });
  });
});
