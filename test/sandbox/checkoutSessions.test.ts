import { describe, it, expect } from 'vitest';
import Stripe from 'stripe';
import { NOW, monthlyPrice, stripeError, useStripeSandbox } from '../support/stripeSandboxTesting';

describe('checkout sessions (Stripe sandbox, driven through the real stripe SDK)', () => {
  const the = useStripeSandbox();
  const DAY = 86_400;

  async function session(params: Partial<Stripe.Checkout.SessionCreateParams> = {}, key?: string): Promise<Stripe.Checkout.Session> {
    const customer = await the.stripe.customers.create({ name: 'Ada', email: 'ada@example.com' });
    const price = await monthlyPrice(the.stripe, 1500);
    return the.stripe.checkout.sessions.create({
      mode: 'subscription', customer: customer.id, line_items: [{ price: price.id, quantity: 2 }],
      success_url: 'https://app.example/done?session={CHECKOUT_SESSION_ID}', cancel_url: 'https://app.example/cancel', ...params,
    }, key ? { idempotencyKey: key } : undefined);
  }

  it('creates an open session with its hosted url, amounts, and the options it was given', async () => {
    const vat = await the.stripe.taxRates.create({ display_name: 'VAT', percentage: 10, inclusive: false });
    const created = await session({
      client_reference_id: 'tenant-1', metadata: { plan: 'pro' }, billing_address_collection: 'required', tax_id_collection: { enabled: true },
      phone_number_collection: { enabled: true }, allow_promotion_codes: true, customer_update: { address: 'auto', name: 'auto' },
      subscription_data: { metadata: { tollgate: 'sub-1' }, default_tax_rates: [vat.id] },
    }, 'checkout-1');
    expect(created.id).toMatch(/^cs_test_[0-9A-Za-z]{58}$/);
    expect(created).toMatchObject({
      object: 'checkout.session', mode: 'subscription', status: 'open', payment_status: 'unpaid', url: `${the.sandbox.url}/checkout/${created.id}`,
      subscription: null, amount_subtotal: 3000, amount_total: 3300, currency: 'eur', metadata: { plan: 'pro' }, client_reference_id: 'tenant-1',
      expires_at: NOW + DAY, created: NOW, success_url: 'https://app.example/done?session={CHECKOUT_SESSION_ID}', cancel_url: 'https://app.example/cancel',
      allow_promotion_codes: true, billing_address_collection: 'required', tax_id_collection: { enabled: true }, phone_number_collection: { enabled: true },
      total_details: { amount_discount: 0, amount_tax: 300 },
    });
    expect(created).not.toHaveProperty('sandbox_plan');
    expect(created.line_items).toBeUndefined();
    const expanded = await the.stripe.checkout.sessions.retrieve(created.id, { expand: ['line_items'] });
    expect(expanded.line_items?.data).toMatchObject([{ object: 'item', description: 'Pro', quantity: 2, amount_subtotal: 3000, amount_tax: 300, amount_total: 3300 }]);
    const replay = await session({
      client_reference_id: 'tenant-1', metadata: { plan: 'pro' }, billing_address_collection: 'required', tax_id_collection: { enabled: true },
      phone_number_collection: { enabled: true }, allow_promotion_codes: true, customer_update: { address: 'auto', name: 'auto' },
      subscription_data: { metadata: { tollgate: 'sub-1' }, default_tax_rates: [vat.id] },
    }, 'checkout-1').catch((error: unknown) => error);
    // Same key, different customer and price ids: Stripe refuses the reuse rather than creating a second session.
    expect(replay).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(the.sandbox.state.checkoutSessions.size).toBe(1);
  });

  it('replays a create with the same idempotency key, and creates the customer from customer_email when paid', async () => {
    const price = await monthlyPrice(the.stripe, 1500);
    const params: Stripe.Checkout.SessionCreateParams = { mode: 'subscription', customer_email: 'new@example.com', line_items: [{ price: price.id }], success_url: 'https://app.example/ok' };
    const first = await the.stripe.checkout.sessions.create(params, { idempotencyKey: 'checkout-once' });
    const replay = await the.stripe.checkout.sessions.create(params, { idempotencyKey: 'checkout-once' });
    expect(replay.id).toBe(first.id);
    expect(the.sandbox.state.checkoutSessions.size).toBe(1);
    expect(first).toMatchObject({ customer: null, customer_email: 'new@example.com', customer_creation: 'always' });

    const completed = the.sandbox.completeCheckout(first.id);
    const customer = await the.stripe.customers.retrieve(String(completed.customer));
    expect(customer).toMatchObject({ object: 'customer', email: 'new@example.com' });
    expect(await the.stripe.subscriptions.list({ customer: customer.id })).toMatchObject({ data: [{ status: 'active' }] });
  });

  it('applies a promotion code discount to the session amounts and shows nothing due during a trial', async () => {
    const coupon = await the.stripe.coupons.create({ percent_off: 50 });
    const code = await the.stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: 'HALF' });
    const discounted = await session({ discounts: [{ promotion_code: code.id }] });
    expect(discounted).toMatchObject({ amount_subtotal: 3000, amount_total: 1500, discounts: [{ promotion_code: code.id, coupon: null }], total_details: { amount_discount: 1500 } });
    const trial = await session({ subscription_data: { trial_period_days: 14 } });
    expect(trial).toMatchObject({ amount_total: 0, amount_subtotal: 0 });
  });

  it('validates like Stripe: promotion codes xor discounts, expires_at within 30 min..24 h, trial at least 48 h away, subscription mode', async () => {
    const coupon = await the.stripe.coupons.create({ percent_off: 10 });
    const both = await stripeError(() => session({ allow_promotion_codes: true, discounts: [{ coupon: coupon.id }] }));
    expect(both).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
    const soon = await stripeError(() => session({ expires_at: NOW + 29 * 60 }));
    expect(soon).toMatchObject({ statusCode: 400, param: 'expires_at' });
    const late = await stripeError(() => session({ expires_at: NOW + DAY + 1 }));
    expect(late).toMatchObject({ statusCode: 400, param: 'expires_at' });
    expect((await session({ expires_at: NOW + 30 * 60 })).expires_at).toBe(NOW + 30 * 60);
    const shortTrial = await stripeError(() => session({ subscription_data: { trial_end: NOW + DAY } }));
    expect(shortTrial).toMatchObject({ statusCode: 400, param: 'subscription_data[trial_end]' });
    const payment = await stripeError(() => session({ mode: 'payment' }));
    expect(payment).toMatchObject({ statusCode: 400, code: 'sandbox_unsupported', param: 'mode' });
    const inactive = await the.stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, active: false });
    const refused = await stripeError(() => session({ discounts: [{ promotion_code: inactive.id }] }));
    expect(refused).toMatchObject({ statusCode: 400, param: 'discounts[0][promotion_code]' });
    expect(the.sandbox.state.checkoutSessions.size).toBe(1);
  });

  it('expires an open session once, and reads a session whose expires_at passed as expired', async () => {
    const open = await session();
    const expired = await the.stripe.checkout.sessions.expire(open.id);
    expect(expired).toMatchObject({ id: open.id, status: 'expired' });
    const again = await stripeError(() => the.stripe.checkout.sessions.expire(open.id));
    expect(again).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });

    const lazy = await session({ expires_at: NOW + 3600 });
    expect((await the.stripe.checkout.sessions.retrieve(lazy.id)).status).toBe('open');
    the.clock.now += 3600 * 1000;
    expect((await the.stripe.checkout.sessions.retrieve(lazy.id)).status).toBe('expired');
    const types = (await the.stripe.events.list({ type: 'checkout.session.expired' })).data.map((e) => (e.data.object as Stripe.Checkout.Session).id);
    expect(types).toEqual([lazy.id, open.id]);
    const missing = await stripeError(() => the.stripe.checkout.sessions.retrieve('cs_test_nope'));
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  it('completes a session like paying with pm_card_visa: subscription with the session discount, trial and metadata', async () => {
    const coupon = await the.stripe.coupons.create({ amount_off: 500, currency: 'eur', duration: 'once' });
    const paid = await session({ discounts: [{ coupon: coupon.id }], subscription_data: { metadata: { tollgate: 'sub-1' } } });
    const completed = the.sandbox.completeCheckout(paid.id);
    expect(completed).toMatchObject({ status: 'complete', payment_status: 'paid' });
    const read = await the.stripe.checkout.sessions.retrieve(paid.id, { expand: ['subscription'] });
    const subscription = read.subscription as Stripe.Subscription;
    expect(subscription).toMatchObject({ status: 'active', metadata: { tollgate: 'sub-1' }, customer: paid.customer });
    expect(subscription.default_payment_method).toMatch(/^pm_/);
    const invoice = await the.stripe.invoices.retrieve(String(subscription.latest_invoice));
    expect(invoice).toMatchObject({ status: 'paid', total: 2500, amount_paid: 2500 });
    expect(() => the.sandbox.completeCheckout(paid.id)).toThrow(/complete/);

    const trial = await session({ subscription_data: { trial_period_days: 7 } });
    expect(the.sandbox.completeCheckout(trial.id)).toMatchObject({ status: 'complete', payment_status: 'no_payment_required' });
    const trialing = await the.stripe.subscriptions.retrieve(String(the.sandbox.state.checkoutSessions.get(trial.id)?.subscription));
    expect(trialing).toMatchObject({ status: 'trialing', trial_end: NOW + 7 * DAY });

    const declined = await session();
    expect(() => the.sandbox.completeCheckout(declined.id, { paymentMethod: 'pm_card_chargeCustomerFail' })).toThrow(/declined/);
    expect((await the.stripe.checkout.sessions.retrieve(declined.id)).status).toBe('open');
    expect(the.sandbox.state.subscriptions.size).toBe(2);
  });
});
