import { describe, it, expect } from 'vitest';
import Stripe from 'stripe';
import { NOW, monthlyPrice, payingCustomer, stripeError, useStripeSandbox } from '../support/stripeSandboxTesting';

describe('subscriptions and their first invoice (Stripe sandbox, driven through the real stripe SDK)', () => {
  const the = useStripeSandbox();
  const DAY = 86_400;

  it('charges price × quantity minus the discount plus exclusive tax, and pays the invoice with the customer default card', async () => {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 1500);
    const vat = await the.stripe.taxRates.create({ display_name: 'VAT', percentage: 19, inclusive: false });
    const coupon = await the.stripe.coupons.create({ percent_off: 20, duration: 'forever' });

    const subscription = await the.stripe.subscriptions.create(
      { customer: customer.id, items: [{ price: price.id, quantity: 2 }], default_tax_rates: [vat.id], discounts: [{ coupon: coupon.id }], metadata: { plan: 'pro' }, expand: ['latest_invoice', 'default_tax_rates'] },
      { idempotencyKey: 'sub-create-1' },
    );
    expect(subscription.id).toMatch(/^sub_[0-9A-Za-z]{24}$/);
    expect(subscription).toMatchObject({
      object: 'subscription', status: 'active', customer: customer.id, currency: 'eur', metadata: { plan: 'pro' }, start_date: NOW,
      trial_start: null, trial_end: null, canceled_at: null, ended_at: null, default_payment_method: null, collection_method: 'charge_automatically',
    });
    expect(subscription.default_tax_rates?.map((r) => r.id)).toEqual([vat.id]);
    const item = subscription.items.data[0];
    expect(item).toMatchObject({ object: 'subscription_item', quantity: 2, subscription: subscription.id, current_period_start: NOW, price: { id: price.id, unit_amount: 1500, object: 'price' } });
    // Monthly from 2023-11-14 22:13:20Z to 2023-12-14 22:13:20Z.
    expect(item?.current_period_end).toBe(NOW + 30 * DAY);
    expect(subscription.discounts).toHaveLength(1);

    const invoice = subscription.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({
      object: 'invoice', status: 'paid', billing_reason: 'subscription_create', customer: customer.id, currency: 'eur',
      subtotal: 3000, total_excluding_tax: 2400, total: 2856, amount_due: 2856, amount_paid: 2856, amount_remaining: 0,
      parent: { type: 'subscription_details', subscription_details: { subscription: subscription.id, metadata: { plan: 'pro' } } },
      total_discount_amounts: [{ amount: 600, discount: subscription.discounts[0] }],
      total_taxes: [{ amount: 456, tax_behavior: 'exclusive', taxable_amount: 2400, tax_rate_details: { tax_rate: vat.id } }],
    });
    expect(invoice.lines.data).toMatchObject([{ amount: 3000, quantity: 2, period: { start: NOW, end: NOW + 30 * DAY }, discount_amounts: [{ amount: 600 }] }]);
    // Without expand, default_tax_rates is left out (includable in this API version) and latest_invoice is an id.
    const plain = await the.stripe.subscriptions.retrieve(subscription.id);
    expect(plain.default_tax_rates).toBeUndefined();
    expect(plain.latest_invoice).toBe(invoice.id);
    expect((await the.stripe.invoices.retrieve(invoice.id)).total).toBe(2856);
    expect((await the.stripe.invoices.list({ subscription: subscription.id })).data.map((i) => i.id)).toEqual([invoice.id]);
    expect((await the.stripe.invoices.list({ customer: customer.id })).data.map((i) => i.id)).toEqual([invoice.id]);
    expect((await the.stripe.coupons.retrieve(coupon.id)).times_redeemed).toBe(1);

    const replay = await the.stripe.subscriptions.create(
      { customer: customer.id, items: [{ price: price.id, quantity: 2 }], default_tax_rates: [vat.id], discounts: [{ coupon: coupon.id }], metadata: { plan: 'pro' }, expand: ['latest_invoice', 'default_tax_rates'] },
      { idempotencyKey: 'sub-create-1' },
    );
    expect(replay.id).toBe(subscription.id);
    expect(the.sandbox.state.subscriptions.size).toBe(1);
  });

  it('keeps inclusive tax inside the amount and takes amount_off coupons off the subtotal', async () => {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 3000);
    const included = await the.stripe.taxRates.create({ display_name: 'VAT incl.', percentage: 20, inclusive: true });
    const coupon = await the.stripe.coupons.create({ amount_off: 600, currency: 'eur' });
    const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_tax_rates: [included.id], discounts: [{ coupon: coupon.id }] });
    const invoice = await the.stripe.invoices.retrieve(String(subscription.latest_invoice));
    expect(invoice).toMatchObject({ subtotal: 3000, total: 2400, amount_paid: 2400, total_excluding_tax: 2000, total_taxes: [{ amount: 400, tax_behavior: 'inclusive', taxable_amount: 2000 }] });
  });

  it('prices graduated and volume tiers per Stripe rules', async () => {
    const customer = await payingCustomer(the.stripe);
    const product = await the.stripe.products.create({ name: 'Seats' });
    const tiers: Stripe.PriceCreateParams.Tier[] = [{ up_to: 10, unit_amount: 100 }, { up_to: 'inf', unit_amount: 50, flat_amount: 500 }];
    const common = { product: product.id, currency: 'usd', billing_scheme: 'tiered' as const, recurring: { interval: 'year' as const }, tiers };
    const graduated = await the.stripe.prices.create({ ...common, tiers_mode: 'graduated' });
    const volume = await the.stripe.prices.create({ ...common, tiers_mode: 'volume' });
    const totalFor = async (price: Stripe.Price): Promise<number> => {
      const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, quantity: 12 }], expand: ['latest_invoice'] });
      return (subscription.latest_invoice as Stripe.Invoice).total;
    };
    expect(await totalFor(graduated)).toBe(10 * 100 + 2 * 50 + 500);
    expect(await totalFor(volume)).toBe(12 * 50 + 500);
  });

  it('starts a trial without a payment method: trialing, a zero invoice, the period ending with the trial', async () => {
    const customer = await the.stripe.customers.create({ name: 'No card' });
    const price = await monthlyPrice(the.stripe, 1500);
    const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 14, expand: ['latest_invoice'] });
    expect(subscription).toMatchObject({ status: 'trialing', trial_start: NOW, trial_end: NOW + 14 * DAY, billing_cycle_anchor: NOW + 14 * DAY });
    expect(subscription.items.data[0]).toMatchObject({ current_period_start: NOW, current_period_end: NOW + 14 * DAY });
    expect(subscription.latest_invoice).toMatchObject({ status: 'paid', total: 0, amount_paid: 0, billing_reason: 'subscription_create' });

    const explicit = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_end: NOW + 3 * DAY });
    expect(explicit).toMatchObject({ status: 'trialing', trial_end: NOW + 3 * DAY });
    const both = await stripeError(() => the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_end: NOW + DAY, trial_period_days: 3 }));
    expect(both).toMatchObject({ statusCode: 400, param: 'trial_end' });
    const past = await stripeError(() => the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_end: NOW - 1 }));
    expect(past).toMatchObject({ statusCode: 400, param: 'trial_end' });
  });

  it('refuses a charged subscription when the customer has no payment method, storing nothing', async () => {
    const customer = await the.stripe.customers.create({ name: 'No card' });
    const price = await monthlyPrice(the.stripe, 1500);
    const error = await stripeError(() => the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.message).toContain('This customer has no attached payment source or default payment method');
    expect(the.sandbox.state.subscriptions.size).toBe(0);
    expect(the.sandbox.state.invoices.size).toBe(0);

    // default_incomplete does not try to pay: the subscription waits incomplete with an open invoice.
    const waiting = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], payment_behavior: 'default_incomplete', expand: ['latest_invoice'] });
    expect(waiting).toMatchObject({ status: 'incomplete', latest_invoice: { status: 'open', amount_due: 1500, amount_paid: 0, attempted: false } });
  });

  it('uses the subscription default payment method first, which must belong to the customer', async () => {
    const customer = await the.stripe.customers.create({ name: 'Two cards', payment_method: 'pm_card_chargeCustomerFail', invoice_settings: { default_payment_method: 'pm_card_chargeCustomerFail' } });
    const good = await the.stripe.paymentMethods.attach('pm_card_mastercard', { customer: customer.id });
    const price = await monthlyPrice(the.stripe, 1500);
    const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: good.id });
    expect(subscription).toMatchObject({ status: 'active', default_payment_method: good.id });

    const stranger = await the.stripe.paymentMethods.create({ type: 'card' });
    const error = await stripeError(() => the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: stranger.id }));
    expect(error).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'default_payment_method' });
  });

  describe('a declined card (pm_card_chargeCustomerFail: attaches, then every charge fails)', () => {
    it('error_if_incomplete: a 402 card_declined StripeCardError, nothing stored', async () => {
      const customer = await payingCustomer(the.stripe, 'pm_card_chargeCustomerFail');
      const price = await monthlyPrice(the.stripe, 1500);
      const coupon = await the.stripe.coupons.create({ percent_off: 10 });
      const error = await stripeError(() => the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], discounts: [{ coupon: coupon.id }], payment_behavior: 'error_if_incomplete' }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(error).toMatchObject({ statusCode: 402, type: 'StripeCardError', code: 'card_declined', decline_code: 'generic_decline' });
      expect(the.sandbox.state.subscriptions.size).toBe(0);
      expect(the.sandbox.state.invoices.size).toBe(0);
      expect((await the.stripe.coupons.retrieve(coupon.id)).times_redeemed).toBe(0);
    });

    it('allow_incomplete (the default): status incomplete, the invoice open and attempted', async () => {
      const customer = await payingCustomer(the.stripe, 'pm_card_chargeCustomerFail');
      const price = await monthlyPrice(the.stripe, 1500);
      const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], expand: ['latest_invoice'] });
      expect(subscription).toMatchObject({ status: 'incomplete', latest_invoice: { status: 'open', amount_due: 1500, amount_paid: 0, amount_remaining: 1500, attempted: true, attempt_count: 1 } });
    });
  });

  it('refuses prices Stripe refuses on a subscription', async () => {
    const customer = await payingCustomer(the.stripe);
    const product = await the.stripe.products.create({ name: 'One-off' });
    const oneTime = await the.stripe.prices.create({ product: product.id, currency: 'eur', unit_amount: 100 });
    const error = await stripeError(() => the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: oneTime.id }] }));
    expect(error).toMatchObject({ statusCode: 400, param: 'items[0][price]' });
    const monthly = await monthlyPrice(the.stripe, 100);
    const yearly = await the.stripe.prices.create({ product: product.id, currency: 'eur', unit_amount: 100, recurring: { interval: 'year' } });
    const mixed = await stripeError(() => the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }, { price: yearly.id }] }));
    expect(mixed).toMatchObject({ statusCode: 400, param: 'items' });
    const unknown = await stripeError(() => the.stripe.subscriptions.create({ customer: 'cus_nope', items: [{ price: monthly.id }] }));
    expect(unknown).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'customer' });
    const unmodeled = await stripeError(() => the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], cancel_at_period_end: true }));
    expect(unmodeled).toMatchObject({ statusCode: 400, code: 'sandbox_unsupported', param: 'cancel_at_period_end' });
    const expand = await stripeError(() => the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], expand: ['latest_invoice.payment_intent'] }));
    expect(expand).toMatchObject({ statusCode: 400, code: 'sandbox_unsupported', param: 'expand' });
    expect(the.sandbox.state.subscriptions.size).toBe(0);
  });

  it('backdates the start: the first period starts at backdate_start_date', async () => {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 1500);
    const subscription = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], backdate_start_date: NOW - 5 * DAY });
    expect(subscription).toMatchObject({ start_date: NOW - 5 * DAY, status: 'active', items: { data: [{ current_period_start: NOW - 5 * DAY, current_period_end: NOW + 25 * DAY }] } });
  });

  it('cancels immediately and lists by customer and status (canceled ones only when asked)', async () => {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 1500);
    const kept = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const ended = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 7 });
    the.clock.now += 60_000;
    const canceled = await the.stripe.subscriptions.cancel(ended.id, { prorate: false, invoice_now: false });
    expect(canceled).toMatchObject({ status: 'canceled', canceled_at: NOW + 60, ended_at: NOW + 60, cancellation_details: { reason: 'cancellation_requested' } });
    const again = await stripeError(() => the.stripe.subscriptions.cancel(ended.id));
    expect(again).toMatchObject({ statusCode: 400 });

    expect((await the.stripe.subscriptions.list({ customer: customer.id })).data.map((s) => s.id)).toEqual([kept.id]);
    expect((await the.stripe.subscriptions.list({ status: 'canceled' })).data.map((s) => s.id)).toEqual([ended.id]);
    expect((await the.stripe.subscriptions.list({ status: 'all', limit: 1 })).data.map((s) => s.id)).toEqual([ended.id]);
    expect((await the.stripe.subscriptions.retrieve(ended.id)).status).toBe('canceled');
  });

  it('honours first_time_transaction: refused once the customer has paid', async () => {
    const customer = await payingCustomer(the.stripe);
    const price = await monthlyPrice(the.stripe, 1500);
    const coupon = await the.stripe.coupons.create({ percent_off: 50 });
    const code = await the.stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, restrictions: { first_time_transaction: true } });
    const first = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], discounts: [{ promotion_code: code.id }], expand: ['latest_invoice'] });
    expect((first.latest_invoice as Stripe.Invoice).total).toBe(750);
    const error = await stripeError(() => the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], discounts: [{ promotion_code: code.id }] }));
    expect(error).toMatchObject({ statusCode: 400, param: 'discounts[0][promotion_code]' });
  });
});
