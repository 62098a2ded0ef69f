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
        payment_method: 'pm_card_visa',
        invoice_settings: { custom_fields: [{ name: 'PO number', value: 'PO-42' }], default_payment_method: 'pm_card_visa' },
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
        invoice_settings: { custom_fields: [{ name: 'PO number', value: 'PO-42' }], footer: null },
      });
      // The magic id was attached as a fresh pm, and that pm became the default.
      const defaultPm = String(customer.invoice_settings.default_payment_method);
      expect(defaultPm).toMatch(/^pm_[0-9A-Za-z]{24}$/);
      expect(fake.state.paymentMethods.get(defaultPm)).toMatchObject({ customer: customer.id, card: { last4: '4242' } });
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

  describe('customer tax ids', () => {
    it('creates, lists and deletes tax ids, sharing the objects made by tax_id_data', async () => {
      const customer = await stripe.customers.create({ tax_id_data: [{ type: 'eu_vat', value: 'EL123456789' }] });
      const added = await stripe.customers.createTaxId(customer.id, { type: 'us_ein', value: '12-3456789' });
      expect(added.id).toMatch(/^txi_[0-9A-Za-z]{24}$/);
      expect(added).toMatchObject({
        object: 'tax_id', customer: customer.id, type: 'us_ein', value: '12-3456789', country: 'US', created: NOW_MS / 1000,
        verification: { status: 'unavailable' },
      });

      const listed = await stripe.customers.listTaxIds(customer.id);
      expect(listed).toMatchObject({ object: 'list', has_more: false, url: `/v1/customers/${customer.id}/tax_ids` });
      const fromCreate = listed.data[1];
      expect(listed.data.map((t) => t.id)).toEqual([added.id, fromCreate?.id]);
      expect(fromCreate).toMatchObject({ type: 'eu_vat', country: 'GR', verification: { status: 'pending' } });
      expect(fake.state.taxIds.get(fromCreate?.id ?? '')).toEqual(fromCreate);
      expect((await stripe.customers.listTaxIds(customer.id, { limit: 1 })).has_more).toBe(true);

      const deleted = await stripe.customers.deleteTaxId(customer.id, added.id);
      expect(deleted).toMatchObject({ id: added.id, object: 'tax_id', deleted: true });
      expect((await stripe.customers.listTaxIds(customer.id)).data.map((t) => t.id)).toEqual([fromCreate?.id]);
      const expanded = await stripe.customers.retrieve(customer.id, { expand: ['tax_ids'] });
      if (expanded.deleted) throw new Error('customer unexpectedly deleted');
      expect(expanded.tax_ids).toMatchObject({ total_count: 1, data: [{ id: fromCreate?.id }] });

      const again = await stripeError(() => stripe.customers.deleteTaxId(customer.id, added.id));
      expect(again).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    });

    it('answers an unknown customer with 404 and rejects tax id types Stripe does not know', async () => {
      for (const call of [() => stripe.customers.createTaxId('cus_missing', { type: 'eu_vat', value: 'DE123456789' }), () => stripe.customers.listTaxIds('cus_missing')]) {
        const error = await stripeError(call);
        expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
        expect(error).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'id', message: "No such customer: 'cus_missing'" });
      }
      const customer = await stripe.customers.create({});
      const badType = await stripeError(() => stripe.customers.createTaxId(customer.id, { type: 'xx_nope', value: '1' }));
      expect(badType).toMatchObject({ statusCode: 400, param: 'type' });
      expect(fake.state.taxIds.size).toBe(0);
    });
  });

  describe('payment methods', () => {
    it('attaches a magic test card as a fresh pm each time and retrieves it', async () => {
      const customer = await stripe.customers.create({});
      const first = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
      expect(first.id).toMatch(/^pm_[0-9A-Za-z]{24}$/);
      expect(first).toMatchObject({ object: 'payment_method', type: 'card', customer: customer.id, card: { brand: 'visa', last4: '4242' } });
      const second = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
      expect(second.id).not.toBe(first.id);
      expect(fake.state.paymentMethods.size).toBe(2);

      expect(await stripe.paymentMethods.retrieve(first.id)).toMatchObject({ id: first.id, customer: customer.id });
      const mastercard = await stripe.paymentMethods.attach('pm_card_mastercard', { customer: customer.id });
      expect(mastercard.card).toMatchObject({ brand: 'mastercard', last4: '4444', fingerprint: expect.any(String) });
      expect((await stripeError(() => stripe.paymentMethods.retrieve('pm_missing'))).statusCode).toBe(404);
    });

    it('attaches a created pm once: again to its customer is fine, another customer is refused', async () => {
      const [alice, bob] = [await stripe.customers.create({}), await stripe.customers.create({})];
      const pm = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_mastercard' } });
      expect(pm).toMatchObject({ customer: null, card: { brand: 'mastercard' } });
      expect((await stripe.paymentMethods.attach(pm.id, { customer: alice.id })).id).toBe(pm.id);
      expect((await stripe.paymentMethods.attach(pm.id, { customer: alice.id })).customer).toBe(alice.id);

      const taken = await stripeError(() => stripe.paymentMethods.attach(pm.id, { customer: bob.id }));
      expect(taken).toMatchObject({ statusCode: 400, rawType: 'invalid_request_error' });
      expect(fake.state.paymentMethods.get(pm.id)?.customer).toBe(alice.id);
      const noCustomer = await stripeError(() => stripe.paymentMethods.attach(pm.id, { customer: 'cus_missing' }));
      expect(noCustomer).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'customer' });
    });

    it('declines pm_card_chargeDeclined at attach with a 402 StripeCardError, storing nothing', async () => {
      const customer = await stripe.customers.create({});
      const error = await stripeError(() => stripe.paymentMethods.attach('pm_card_chargeDeclined', { customer: customer.id }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(error).toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' });
      const funds = await stripeError(() => stripe.paymentMethods.attach('pm_card_chargeDeclinedInsufficientFunds', { customer: customer.id }));
      expect(funds).toMatchObject({ decline_code: 'insufficient_funds' });

      const onCreate = await stripeError(() => stripe.customers.create({ name: 'Declined', payment_method: 'pm_card_chargeDeclined' }));
      expect(onCreate).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(fake.state.paymentMethods.size).toBe(0);
      expect(fake.state.customers.size).toBe(1);
    });

    it('makes attaching a magic id replay-safe through the idempotency key', async () => {
      const customer = await stripe.customers.create({});
      const first = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id }, { idempotencyKey: 'attach-1' });
      const replay = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id }, { idempotencyKey: 'attach-1' });
      expect(replay.id).toBe(first.id);
      expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');

      // A caller that timed out retries with its key and gets the pm Stripe already made, not a second one.
      const impatient = fake.client({ timeout: 50 });
      fake.delayNext(300);
      await stripeError(() => impatient.paymentMethods.attach('pm_card_visa', { customer: customer.id }, { idempotencyKey: 'attach-2' }));
      const retried = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id }, { idempotencyKey: 'attach-2' });
      expect(fake.state.paymentMethods.size).toBe(2);
      expect(fake.state.paymentMethods.has(retried.id)).toBe(true);

      // The endpoint ran, so Stripe also replays the decline rather than re-verifying the card.
      await stripeError(() => stripe.paymentMethods.attach('pm_card_chargeDeclined', { customer: customer.id }, { idempotencyKey: 'attach-3' }));
      const replayed = await stripeError(() => stripe.paymentMethods.attach('pm_card_chargeDeclined', { customer: customer.id }, { idempotencyKey: 'attach-3' }));
      expect(replayed).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(replayed.headers?.['idempotent-replayed']).toBe('true');
    });

    it('requires invoice_settings.default_payment_method to be attached to that customer', async () => {
      const withPm = await stripe.customers.create({ payment_method: 'pm_card_mastercard' });
      // payment_method alone attaches but does not become the default.
      expect(withPm.invoice_settings.default_payment_method).toBeNull();
      expect([...fake.state.paymentMethods.values()].map((pm) => pm.customer)).toEqual([withPm.id]);

      const unknown = await stripeError(() => stripe.customers.create({ payment_method: 'pm_nope' }));
      expect(unknown).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'payment_method' });
      const unknownDefault = await stripeError(() => stripe.customers.create({ invoice_settings: { default_payment_method: 'pm_nope' } }));
      expect(unknownDefault).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'invoice_settings[default_payment_method]' });

      const customer = await stripe.customers.create({});
      const param = 'invoice_settings[default_payment_method]';
      for (const notAttached of ['pm_card_visa', [...fake.state.paymentMethods.keys()][0] ?? '']) {
        const error = await stripeError(() => stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: notAttached } }));
        expect(error).toMatchObject({ statusCode: 400, code: 'resource_missing', param });
      }
      const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
      const updated = await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
      expect(updated.invoice_settings.default_payment_method).toBe(pm.id);
      const cleared = await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: '' } });
      expect(cleared.invoice_settings.default_payment_method).toBeNull();
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
