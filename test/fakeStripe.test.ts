import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import Stripe from 'stripe';
import { startFakeStripe, type FakeStripe } from './support/fakeStripe';

// Fixed clock so `created` is deterministic: 2023-11-14T22:13:20Z.
const NOW_MS = 1_700_000_000_000;

/** Runs `call` and returns the Stripe error it rejects with (fails the test if it resolves). */
async function stripeError(call: () => Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await call();
  } catch (error) {
    expect(error).toBeInstanceOf(Stripe.errors.StripeError);
    return error as Stripe.errors.StripeError;
  }
  throw new Error('expected the Stripe call to fail');
}

describe('fake Stripe HTTP API (driven through the real stripe SDK)', () => {
  let fake: FakeStripe;
  let stripe: Stripe;

  beforeAll(async () => {
    fake = await startFakeStripe({ now: () => NOW_MS });
    stripe = fake.client();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
  });

  describe('customers', () => {
    it('creates a customer from nested address, shipping, tax ids and invoice custom fields', async () => {
      const customer = await stripe.customers.create({
        name: 'Acme GmbH',
        email: 'billing@acme.test',
        phone: '+49 30 123456',
        address: { line1: 'Unter den Linden 1', city: 'Berlin', postal_code: '10117', country: 'DE' },
        shipping: { name: 'Acme Warehouse', address: { city: 'Hamburg', country: 'DE' } },
        preferred_locales: ['de', 'en'],
        tax_id_data: [{ type: 'eu_vat', value: 'DE123456789' }],
        invoice_settings: { custom_fields: [{ name: 'PO number', value: 'PO-42' }], default_payment_method: 'pm_123' },
        metadata: { tenant: 't_1' },
        expand: ['tax_ids'],
      });

      expect(customer.id).toMatch(/^cus_[0-9A-Za-z]{14}$/);
      expect(customer).toMatchObject({
        object: 'customer',
        created: NOW_MS / 1000,
        livemode: false,
        metadata: { tenant: 't_1' },
        preferred_locales: ['de', 'en'],
        address: { line1: 'Unter den Linden 1', line2: null, city: 'Berlin', state: null, postal_code: '10117', country: 'DE' },
        shipping: { name: 'Acme Warehouse', phone: null, address: { city: 'Hamburg', country: 'DE', line1: null } },
        invoice_settings: { custom_fields: [{ name: 'PO number', value: 'PO-42' }], default_payment_method: 'pm_123', footer: null },
      });
      expect(customer.tax_ids).toMatchObject({
        object: 'list',
        has_more: false,
        data: [{ object: 'tax_id', type: 'eu_vat', value: 'DE123456789', country: 'DE', customer: customer.id }],
      });
      expect(customer.tax_ids?.data[0]?.id).toMatch(/^txi_/);

      // The fake saw Stripe's bracket encoding and decoded it back into nested objects/arrays.
      const request = fake.requests.at(-1);
      expect(request).toMatchObject({ method: 'POST', path: '/v1/customers' });
      expect(request?.body).toMatchObject({
        address: { city: 'Berlin' },
        tax_id_data: [{ type: 'eu_vat', value: 'DE123456789' }],
        invoice_settings: { custom_fields: [{ name: 'PO number', value: 'PO-42' }] },
        expand: ['tax_ids'],
      });
      // The SDK keys every POST itself, even with maxNetworkRetries: 0.
      expect(request?.idempotencyKey).toMatch(/^stripe-node-retry-/);
    });

    it('omits the includable tax_ids list unless it is expanded, like Stripe', async () => {
      const created = await stripe.customers.create({ tax_id_data: [{ type: 'gb_vat', value: 'GB123456789' }] });
      expect(created.tax_ids).toBeUndefined();
      const expanded = await stripe.customers.retrieve(created.id, { expand: ['tax_ids'] });
      if (expanded.deleted) throw new Error('customer unexpectedly deleted');
      expect(expanded.tax_ids?.data.map((t) => t.value)).toEqual(['GB123456789']);
      expect(fake.state.customers.get(created.id)?.tax_ids).toMatchObject({ data: [{ country: 'GB' }] });
    });

    it('merges metadata on update, removes keys set to an empty string, and unsets fields with ""', async () => {
      const created = await stripe.customers.create({ name: 'A', email: 'a@acme.test', metadata: { keep: '1', drop: '2' } });
      const updated = await stripe.customers.update(created.id, { name: '', metadata: { drop: '', added: '3' } });

      expect(updated.metadata).toEqual({ keep: '1', added: '3' });
      expect(updated.name).toBeNull();
      expect(updated.email).toBe('a@acme.test');
      expect(fake.state.customers.get(created.id)?.metadata).toEqual({ keep: '1', added: '3' });
    });

    it('lists customers newest first, filtered by email, with limit and has_more', async () => {
      const first = await stripe.customers.create({ email: 'same@acme.test' });
      const second = await stripe.customers.create({ email: 'same@acme.test' });
      await stripe.customers.create({ email: 'other@acme.test' });

      const page = await stripe.customers.list({ email: 'same@acme.test', limit: 1 });
      expect(page).toMatchObject({ object: 'list', has_more: true, url: '/v1/customers' });
      expect(page.data.map((c) => c.id)).toEqual([second.id]);
      const all = await stripe.customers.list({ email: 'same@acme.test' }).autoPagingToArray({ limit: 10 });
      expect(all.map((c) => c.id)).toEqual([second.id, first.id]);
    });

    it('rejects params Stripe does not accept on update', async () => {
      const created = await stripe.customers.create({ name: 'A' });
      const params = { tax_id_data: [{ type: 'eu_vat', value: 'DE1' }] } as unknown as Stripe.CustomerUpdateParams;
      const error = await stripeError(() => stripe.customers.update(created.id, params));
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'tax_id_data' });
    });
  });

  describe('idempotency', () => {
    it('replays the first response for the same key and params, creating one object', async () => {
      const params = { name: 'Once', metadata: { n: '1' } };
      const first = await stripe.customers.create(params, { idempotencyKey: 'create-once' });
      const second = await stripe.customers.create(params, { idempotencyKey: 'create-once' });

      expect(second.id).toBe(first.id);
      expect(fake.state.customers.size).toBe(1);
      expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
      expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    });

    it('surfaces a key reused with different params as StripeIdempotencyError', async () => {
      await stripe.customers.create({ name: 'First' }, { idempotencyKey: 'reused-key' });
      const error = await stripeError(() => stripe.customers.create({ name: 'Second' }, { idempotencyKey: 'reused-key' }));

      expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
      expect(error).toMatchObject({ statusCode: 400, rawType: 'idempotency_error' });
      expect(fake.state.customers.size).toBe(1);
    });

    it('rejects a key reused on a different endpoint', async () => {
      await stripe.products.create({ name: 'P' }, { idempotencyKey: 'shared-key' });
      const error = await stripeError(() => stripe.customers.create({ name: 'P' }, { idempotencyKey: 'shared-key' }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    });

    it('lets a caller that timed out during a delayed response recover by retrying with the same key', async () => {
      const impatient = fake.client({ timeout: 50 });
      fake.delayNext(300);
      const error = await stripeError(() => impatient.customers.create({ name: 'Slow' }, { idempotencyKey: 'slow-key' }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
      // Stripe committed the write even though the caller never saw the response.
      expect(fake.state.customers.size).toBe(1);

      const retried = await stripe.customers.create({ name: 'Slow' }, { idempotencyKey: 'slow-key' });
      expect(retried.id).toBe([...fake.state.customers.keys()][0]);
      expect(fake.state.customers.size).toBe(1);
    });
  });

  describe('products and prices', () => {
    it('accepts a custom product id once and rejects a duplicate with resource_already_exists', async () => {
      const product = await stripe.products.create({ id: 'prod_pro_plan', name: 'Pro', metadata: { tier: 'pro' } });
      expect(product).toMatchObject({ id: 'prod_pro_plan', object: 'product', active: true, created: NOW_MS / 1000, livemode: false });

      const error = await stripeError(() => stripe.products.create({ id: 'prod_pro_plan', name: 'Pro again' }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error).toMatchObject({ statusCode: 400, code: 'resource_already_exists', param: 'id' });

      const updated = await stripe.products.update('prod_pro_plan', { description: 'Best plan', active: false });
      expect(updated).toMatchObject({ name: 'Pro', description: 'Best plan', active: false, metadata: { tier: 'pro' } });
    });

    it('creates recurring and tiered prices with Stripe-shaped fields', async () => {
      await stripe.products.create({ id: 'prod_api', name: 'API' });
      const flat = await stripe.prices.create({
        product: 'prod_api', currency: 'EUR', unit_amount: 1500, recurring: { interval: 'month' }, lookup_key: 'api_monthly', nickname: 'Monthly',
      });
      expect(flat.id).toMatch(/^price_[0-9A-Za-z]{24}$/);
      expect(flat).toMatchObject({
        object: 'price', currency: 'eur', unit_amount: 1500, type: 'recurring', billing_scheme: 'per_unit', tiers_mode: null,
        recurring: { interval: 'month', interval_count: 1, usage_type: 'licensed' }, lookup_key: 'api_monthly', metadata: {},
      });
      // unit_amount_decimal arrives as a string and the SDK turns it into its Decimal type.
      expect(flat.unit_amount_decimal?.toString()).toBe('1500');

      const tiered = await stripe.prices.create({
        product: 'prod_api', currency: 'eur', billing_scheme: 'tiered', tiers_mode: 'graduated',
        recurring: { interval: 'year', usage_type: 'licensed' },
        tiers: [{ up_to: 10, unit_amount: 100 }, { up_to: 'inf', unit_amount: 50, flat_amount: 500 }],
        expand: ['tiers'],
      });
      expect(tiered.tiers?.map((t) => [t.up_to, t.unit_amount, t.flat_amount])).toEqual([[10, 100, null], [null, 50, 500]]);
      expect(tiered.unit_amount).toBeNull();
      const notExpanded = await stripe.prices.retrieve(tiered.id);
      expect(notExpanded.tiers).toBeUndefined();

      const listed = await stripe.prices.list({ product: 'prod_api' });
      expect(listed.data.map((p) => p.id)).toEqual([tiered.id, flat.id]);
    });

    it('validates required params and product existence like Stripe', async () => {
      const noCurrency = { product: 'prod_x', unit_amount: 100 } as unknown as Stripe.PriceCreateParams;
      const missing = await stripeError(() => stripe.prices.create(noCurrency));
      expect(missing).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'currency' });

      const unknownProduct = await stripeError(() => stripe.prices.create({ product: 'prod_nope', currency: 'usd', unit_amount: 100 }));
      expect(unknownProduct).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(unknownProduct).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'product' });
      expect(fake.state.prices.size).toBe(0);
    });

    it('keeps prices immutable: only active/metadata/nickname/lookup_key change', async () => {
      await stripe.products.create({ id: 'prod_im', name: 'Immutable' });
      const price = await stripe.prices.create({ product: 'prod_im', currency: 'usd', unit_amount: 1000, metadata: { v: '1' } });

      const attempt = { unit_amount: 2000 } as unknown as Stripe.PriceUpdateParams;
      const error = await stripeError(() => stripe.prices.update(price.id, attempt));
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'unit_amount' });
      expect(fake.state.prices.get(price.id)?.unit_amount).toBe(1000);

      const archived = await stripe.prices.update(price.id, { active: false, nickname: 'old', metadata: { v: '' } });
      expect(archived).toMatchObject({ active: false, nickname: 'old', unit_amount: 1000, metadata: {} });
    });
  });

  describe('failures', () => {
    it('turns failNext into a StripeAPIError, then serves normally', async () => {
      fake.failNext(1);
      const error = await stripeError(() => stripe.customers.create({ name: 'Flaky' }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
      expect(error).toMatchObject({ statusCode: 500, rawType: 'api_error' });
      expect(fake.state.customers.size).toBe(0);

      const ok = await stripe.customers.create({ name: 'Flaky' });
      expect(ok.name).toBe('Flaky');
    });

    it('lets an SDK configured with retries ride over injected 500s with one idempotency key', async () => {
      const retrying = fake.client({ maxNetworkRetries: 2 });
      fake.failNext(1);
      const customer = await retrying.customers.create({ name: 'Retried' });

      expect(customer.name).toBe('Retried');
      expect(fake.state.customers.size).toBe(1);
      const keys = fake.requests.map((r) => r.idempotencyKey);
      expect(keys).toHaveLength(2);
      expect(keys[1]).toBe(keys[0]);
    });

    it('answers unknown ids with 404 resource_missing as StripeInvalidRequestError', async () => {
      for (const call of [() => stripe.customers.retrieve('cus_missing'), () => stripe.prices.retrieve('price_missing'), () => stripe.products.update('prod_missing', { name: 'x' })]) {
        const error = await stripeError(call);
        expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
        expect(error).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'id' });
      }
      expect((await stripeError(() => stripe.customers.retrieve('cus_missing'))).message).toBe("No such customer: 'cus_missing'");
    });

    it('answers unknown routes with 404 and bad keys with 401', async () => {
      const unknownRoute = await stripeError(() => stripe.rawRequest('GET', '/v1/unknown_things'));
      expect(unknownRoute).toMatchObject({ statusCode: 404 });

      const badKey = new Stripe('sk_live_nope', { host: '127.0.0.1', port: fake.port, protocol: 'http', maxNetworkRetries: 0 });
      const auth = await stripeError(() => badKey.customers.list());
      expect(auth).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    });
  });
});
