import { describe, it, expect } from 'vitest';
import Stripe from 'stripe';
import { NOW_MS, stripeError, useStripeSandbox } from '../support/stripeSandboxTesting';

describe('products and prices (Stripe sandbox, driven through the real stripe SDK)', () => {
  const the = useStripeSandbox();

  describe('products and prices', () => {
    it('accepts a custom product id once and rejects a duplicate with resource_already_exists', async () => {
      const product = await the.stripe.products.create({ id: 'prod_pro_plan', name: 'Pro', metadata: { tier: 'pro' } });
      expect(product).toMatchObject({ id: 'prod_pro_plan', object: 'product', active: true, created: NOW_MS / 1000, livemode: false });

      const error = await stripeError(() => the.stripe.products.create({ id: 'prod_pro_plan', name: 'Pro again' }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error).toMatchObject({ statusCode: 400, code: 'resource_already_exists', param: 'id' });

      const updated = await the.stripe.products.update('prod_pro_plan', { description: 'Best plan', active: false });
      expect(updated).toMatchObject({ name: 'Pro', description: 'Best plan', active: false, metadata: { tier: 'pro' } });
    });

    it('creates recurring and tiered prices with Stripe-shaped fields', async () => {
      await the.stripe.products.create({ id: 'prod_api', name: 'API' });
      const flat = await the.stripe.prices.create({
        product: 'prod_api', currency: 'EUR', unit_amount: 1500, recurring: { interval: 'month' }, lookup_key: 'api_monthly', nickname: 'Monthly',
      });
      expect(flat.id).toMatch(/^price_[0-9A-Za-z]{24}$/);
      expect(flat).toMatchObject({
        object: 'price', currency: 'eur', unit_amount: 1500, type: 'recurring', billing_scheme: 'per_unit', tiers_mode: null,
        recurring: { interval: 'month', interval_count: 1, usage_type: 'licensed' }, lookup_key: 'api_monthly', metadata: {},
      });
      // unit_amount_decimal arrives as a string and the SDK turns it into its Decimal type.
      expect(flat.unit_amount_decimal?.toString()).toBe('1500');

      const tiered = await the.stripe.prices.create({
        product: 'prod_api', currency: 'eur', billing_scheme: 'tiered', tiers_mode: 'graduated',
        recurring: { interval: 'year', usage_type: 'licensed' },
        tiers: [{ up_to: 10, unit_amount: 100 }, { up_to: 'inf', unit_amount: 50, flat_amount: 500 }],
        expand: ['tiers'],
      });
      expect(tiered.tiers?.map((t) => [t.up_to, t.unit_amount, t.flat_amount])).toEqual([[10, 100, null], [null, 50, 500]]);
      expect(tiered.unit_amount).toBeNull();
      const notExpanded = await the.stripe.prices.retrieve(tiered.id);
      expect(notExpanded.tiers).toBeUndefined();

      const listed = await the.stripe.prices.list({ product: 'prod_api' });
      expect(listed.data.map((p) => p.id)).toEqual([tiered.id, flat.id]);
    });

    it('validates required params and product existence like Stripe', async () => {
      const noCurrency = { product: 'prod_x', unit_amount: 100 } as unknown as Stripe.PriceCreateParams;
      const missing = await stripeError(() => the.stripe.prices.create(noCurrency));
      expect(missing).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'currency' });

      const unknownProduct = await stripeError(() => the.stripe.prices.create({ product: 'prod_nope', currency: 'usd', unit_amount: 100 }));
      expect(unknownProduct).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(unknownProduct).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'product' });
      expect(the.sandbox.state.prices.size).toBe(0);
    });

    it('keeps prices immutable: only active/metadata/nickname/lookup_key change', async () => {
      await the.stripe.products.create({ id: 'prod_im', name: 'Immutable' });
      const price = await the.stripe.prices.create({ product: 'prod_im', currency: 'usd', unit_amount: 1000, metadata: { v: '1' } });

      const attempt = { unit_amount: 2000 } as unknown as Stripe.PriceUpdateParams;
      const error = await stripeError(() => the.stripe.prices.update(price.id, attempt));
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'unit_amount' });
      expect(the.sandbox.state.prices.get(price.id)?.unit_amount).toBe(1000);

      const archived = await the.stripe.prices.update(price.id, { active: false, nickname: 'old', metadata: { v: '' } });
      expect(archived).toMatchObject({ active: false, nickname: 'old', unit_amount: 1000, metadata: {} });
    });
  });

});
