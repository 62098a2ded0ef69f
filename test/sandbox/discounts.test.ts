import { describe, it, expect } from 'vitest';
import Stripe from 'stripe';
import { NOW, monthlyPrice, payingCustomer, stripeError, useStripeSandbox } from '../support/stripeSandboxTesting';

describe('tax rates, coupons and promotion codes (Stripe sandbox, driven through the real stripe SDK)', () => {
  const the = useStripeSandbox();

  it('creates, retrieves and lists tax rates newest first, filtered by active and inclusive', async () => {
    const vat = await the.stripe.taxRates.create({ display_name: 'VAT', percentage: 19, inclusive: false, description: 'German VAT', metadata: { country: 'DE' } });
    expect(vat.id).toMatch(/^txr_[0-9A-Za-z]{24}$/);
    expect(vat).toMatchObject({
      object: 'tax_rate', display_name: 'VAT', percentage: 19, effective_percentage: 19, inclusive: false, active: true,
      description: 'German VAT', metadata: { country: 'DE' }, created: NOW, livemode: false, rate_type: 'percentage',
    });
    const gst = await the.stripe.taxRates.create({ display_name: 'GST', percentage: 7.5, inclusive: true });
    const old = await the.stripe.taxRates.create({ display_name: 'Old', percentage: 16, inclusive: false, active: false });

    expect((await the.stripe.taxRates.retrieve(gst.id)).percentage).toBe(7.5);
    expect((await the.stripe.taxRates.list()).data.map((r) => r.id)).toEqual([old.id, gst.id, vat.id]);
    expect((await the.stripe.taxRates.list({ active: true })).data.map((r) => r.id)).toEqual([gst.id, vat.id]);
    expect((await the.stripe.taxRates.list({ inclusive: true, limit: 1 })).data.map((r) => r.id)).toEqual([gst.id]);

    const missing = await stripeError(() => the.stripe.taxRates.create({ display_name: 'No %', inclusive: false } as Stripe.TaxRateCreateParams));
    expect(missing).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'percentage' });
    const tooHigh = await stripeError(() => the.stripe.taxRates.create({ display_name: 'Huge', percentage: 101, inclusive: false }));
    expect(tooHigh).toMatchObject({ statusCode: 400, param: 'percentage' });
  });

  it('creates percent and amount coupons with Stripe duration rules', async () => {
    const percent = await the.stripe.coupons.create({ id: 'SPRING20', percent_off: 20, duration: 'repeating', duration_in_months: 3, name: 'Spring' });
    expect(percent).toMatchObject({
      id: 'SPRING20', object: 'coupon', percent_off: 20, amount_off: null, currency: null, duration: 'repeating', duration_in_months: 3,
      name: 'Spring', valid: true, times_redeemed: 0, max_redemptions: null, redeem_by: null,
    });
    const amount = await the.stripe.coupons.create({ amount_off: 500, currency: 'EUR', duration: 'forever', metadata: { a: '1' } });
    expect(amount).toMatchObject({ amount_off: 500, currency: 'eur', duration: 'forever', metadata: { a: '1' } });
    expect((await the.stripe.coupons.retrieve(amount.id)).id).toBe(amount.id);

    const both = await stripeError(() => the.stripe.coupons.create({ percent_off: 10, amount_off: 100, currency: 'eur' }));
    expect(both).toMatchObject({ statusCode: 400 });
    const noCurrency = await stripeError(() => the.stripe.coupons.create({ amount_off: 100 }));
    expect(noCurrency).toMatchObject({ statusCode: 400, param: 'currency' });
    const noMonths = await stripeError(() => the.stripe.coupons.create({ percent_off: 10, duration: 'repeating' }));
    expect(noMonths).toMatchObject({ statusCode: 400, param: 'duration_in_months' });
    const duplicate = await stripeError(() => the.stripe.coupons.create({ id: 'SPRING20', percent_off: 5 }));
    expect(duplicate).toMatchObject({ statusCode: 400, code: 'resource_already_exists', param: 'id' });
  });

  it('creates promotion codes with the promotion hash this API version uses, and lists them by code case-insensitively', async () => {
    const coupon = await the.stripe.coupons.create({ percent_off: 25, duration: 'once' });
    const customer = await the.stripe.customers.create({ name: 'Only me' });
    const code = await the.stripe.promotionCodes.create({
      promotion: { type: 'coupon', coupon: coupon.id }, code: 'WELCOME-25', max_redemptions: 2, expires_at: NOW + 3600,
      customer: customer.id, restrictions: { first_time_transaction: true, minimum_amount: 1000, minimum_amount_currency: 'eur' },
    });
    expect(code.id).toMatch(/^promo_[0-9A-Za-z]{24}$/);
    expect(code).toMatchObject({
      object: 'promotion_code', code: 'WELCOME-25', active: true, promotion: { type: 'coupon', coupon: coupon.id }, customer: customer.id,
      expires_at: NOW + 3600, max_redemptions: 2, times_redeemed: 0,
      restrictions: { first_time_transaction: true, minimum_amount: 1000, minimum_amount_currency: 'eur' },
    });
    const other = await the.stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id } });
    expect(other.code).toMatch(/^[A-Z0-9]+$/);

    const listed = await the.stripe.promotionCodes.list({ code: 'welcome-25' });
    expect(listed.data.map((p) => p.id)).toEqual([code.id]);
    expect((await the.stripe.promotionCodes.list({ active: true, limit: 1 })).data.map((p) => p.id)).toEqual([other.id]);
    const expanded = await the.stripe.promotionCodes.retrieve(code.id, { expand: ['promotion.coupon'] });
    expect(expanded.promotion.coupon).toMatchObject({ id: coupon.id, percent_off: 25 });
    const listedExpanded = await the.stripe.promotionCodes.list({ code: 'WELCOME-25', active: true, limit: 1, expand: ['data.promotion.coupon'] });
    expect(listedExpanded.data[0]?.promotion.coupon).toMatchObject({ id: coupon.id, valid: true });

    const clash = await stripeError(() => the.stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: 'WELCOME-25', customer: customer.id }));
    expect(clash).toMatchObject({ statusCode: 400, param: 'code' });
    const noCoupon = await stripeError(() => the.stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: 'nope' } }));
    expect(noCoupon).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'promotion[coupon]' });
  });

  describe('a promotion code Stripe would refuse is refused on a subscription, naming the discount', () => {
    const refusal = async (promo: Partial<Stripe.PromotionCodeCreateParams>, prepare?: () => Promise<void>): Promise<Stripe.errors.StripeError> => {
      const customer = await payingCustomer(the.stripe);
      const price = await monthlyPrice(the.stripe, 1500);
      const coupon = await the.stripe.coupons.create({ percent_off: 10 });
      const code = await the.stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, ...promo });
      await prepare?.();
      const error = await stripeError(() => the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], discounts: [{ promotion_code: code.id }] }));
      expect(the.sandbox.state.subscriptions.size).toBe(0);
      expect((await the.stripe.promotionCodes.retrieve(code.id)).times_redeemed).toBe(0);
      return error;
    };
    const param = 'discounts[0][promotion_code]';

    it('inactive', async () => {
      expect(await refusal({ active: false })).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, param });
    });
    it('expired', async () => {
      expect(await refusal({ expires_at: NOW + 60 }, async () => { the.clock.now += 120_000; })).toMatchObject({ statusCode: 400, param });
    });
    it('used up', async () => {
      const customer = await payingCustomer(the.stripe);
      const price = await monthlyPrice(the.stripe, 1500);
      const coupon = await the.stripe.coupons.create({ percent_off: 10 });
      const code = await the.stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, max_redemptions: 1 });
      const first = await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], discounts: [{ promotion_code: code.id }] });
      expect(first.status).toBe('active');
      expect((await the.stripe.promotionCodes.retrieve(code.id)).times_redeemed).toBe(1);
      const error = await stripeError(() => the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], discounts: [{ promotion_code: code.id }] }));
      expect(error).toMatchObject({ statusCode: 400, param });
      expect(the.sandbox.state.subscriptions.size).toBe(1);
    });
    it('restricted to another customer', async () => {
      const someoneElse = await the.stripe.customers.create({ name: 'Someone else' });
      expect(await refusal({ customer: someoneElse.id })).toMatchObject({ statusCode: 400, param });
    });
    it('below its minimum amount', async () => {
      expect(await refusal({ restrictions: { minimum_amount: 2000, minimum_amount_currency: 'eur' } })).toMatchObject({ statusCode: 400, param });
    });
  });
});
