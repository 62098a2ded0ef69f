import { describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { NOW, monthlyPrice, payingCustomer, stripeError, useStripeSandbox } from '../support/stripeSandboxTesting';

const DAY = 86_400;
const PERIOD = 30 * DAY;

describe('invoices.createPreview (Stripe sandbox, real SDK)', () => {
  const the = useStripeSandbox();
  const at = (unixSeconds: number): void => {
    the.clock.now = unixSeconds * 1000;
  };

  it('previews an always_invoice update, and the update with the same proration_date charges exactly the previewed amount', async () => {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 1999);
    const vat = await the.stripe.taxRates.create({ display_name: 'VAT', percentage: 19, inclusive: false });
    const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, quantity: 3 }], default_tax_rates: [vat.id] });
    const itemId = subscription.items.data[0]?.id;
    const prorationDate = NOW + 11 * DAY + 7_777;
    at(prorationDate);
    const preview = await the.stripe.invoices.createPreview({
      customer: customer.id, subscription: subscription.id,
      subscription_details: { items: [{ id: itemId, quantity: 5 }], proration_date: prorationDate, proration_behavior: 'always_invoice' },
    });
    // Remaining 2 592 000 − (950 400 + 7 777) = 1 633 823 s. Credit 1999 × 3 × 1 633 823 / 2 592 000 = 3780.13 → −3780;
    // debit 1999 × 5 × 1 633 823 / 2 592 000 = 6300.22 → 6300. Net 2520; VAT 19 %: −718.2 → −718 and 1197 → tax 479; total 2999.
    expect(preview.lines.data.map((l) => l.amount)).toEqual([-3780, 6300]);
    expect(preview).toMatchObject({ subtotal: 2520, total: 2999, amount_due: 2999, status: 'draft', number: null });
    expect(preview.id).toMatch(/^upcoming_in_/);
    // Nothing stored by the preview.
    expect((await the.stripe.invoiceItems.list({})).data).toEqual([]);
    expect((await the.stripe.invoices.list({ subscription: subscription.id })).data).toHaveLength(1);

    at(prorationDate + 42);
    const updated = await the.stripe.subscriptions.update(subscription.id, {
      items: [{ id: itemId, quantity: 5 }], proration_date: prorationDate, proration_behavior: 'always_invoice', expand: ['latest_invoice'],
    });
    const charged = updated.latest_invoice as Stripe.Invoice;
    expect(charged.amount_paid).toBe(preview.amount_due);
    expect(charged.lines.data.map((l) => l.amount)).toEqual(preview.lines.data.map((l) => l.amount));
  });

  it('previews a create_prorations update as the next renewal: the new items in full plus the prorations', async () => {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 1200);
    const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, quantity: 1 }] });
    at(NOW + 20 * DAY);
    const preview = await the.stripe.invoices.createPreview({
      customer: customer.id, subscription: subscription.id, subscription_details: { items: [{ id: subscription.items.data[0]?.id, quantity: 2 }] },
    });
    // Next period: 1200 × 2 = 2400; prorations over the last 10 of 30 days: −1200/3 = −400 and 2400/3 = 800. Total 2800.
    expect(preview.lines.data.map((l) => l.amount)).toEqual([2400, -400, 800]);
    expect(preview).toMatchObject({ total: 2800, billing_reason: 'subscription_cycle', period_start: NOW + PERIOD });
  });

  it("previews a new subscription's first invoice with discounts and tax rates as creation applies them", async () => {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 1500);
    const vat = await the.stripe.taxRates.create({ display_name: 'VAT', percentage: 19, inclusive: false });
    const coupon = await the.stripe.coupons.create({ percent_off: 20, duration: 'forever' });
    const preview = await the.stripe.invoices.createPreview({
      customer: customer.id, discounts: [{ coupon: coupon.id }],
      subscription_details: { items: [{ price: price.id, quantity: 2 }], default_tax_rates: [vat.id] },
    });
    // 1500 × 2 = 3000; 20 % off = 600; VAT 19 % of 2400 = 456; total 2856.
    expect(preview).toMatchObject({ subtotal: 3000, total_excluding_tax: 2400, total: 2856, amount_due: 2856 });
    expect((await the.stripe.coupons.retrieve(coupon.id)).times_redeemed).toBe(0);
    const created = await the.stripe.subscriptions.create({
      customer: customer.id, items: [{ price: price.id, quantity: 2 }], default_tax_rates: [vat.id], discounts: [{ coupon: coupon.id }], expand: ['latest_invoice'],
    });
    expect((created.latest_invoice as Stripe.Invoice).total).toBe(preview.total);
  });

  it('refuses bad previews naming the param', async () => {
    const customer = await payingCustomer(the.stripe);
    expect(await stripeError(() => the.stripe.invoices.createPreview({ customer: customer.id }))).toMatchObject({ statusCode: 400, param: 'subscription_details[items]' });
    expect(await stripeError(() => the.stripe.invoices.createPreview({ customer: customer.id, subscription: 'sub_nope' }))).toMatchObject({ statusCode: 400, param: 'subscription' });
    expect(await stripeError(() => the.stripe.invoices.createPreview({ customer: customer.id, invoice_items: [{ amount: 100, currency: 'eur' }] }))).toMatchObject({ code: 'sandbox_unsupported', param: 'invoice_items' });
  });
});
