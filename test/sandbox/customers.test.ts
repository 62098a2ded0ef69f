import { describe, it, expect } from 'vitest';
import Stripe from 'stripe';
import { NOW_MS, stripeError, useStripeSandbox } from '../support/stripeSandboxTesting';

describe('customers, tax ids and payment methods (Stripe sandbox, driven through the real stripe SDK)', () => {
  const the = useStripeSandbox();

  describe('customers', () => {
    it('creates a customer from nested address, shipping, tax ids and invoice custom fields', async () => {
      const customer = await the.stripe.customers.create({
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
      expect(the.sandbox.state.paymentMethods.get(defaultPm)).toMatchObject({ customer: customer.id, card: { last4: '4242' } });
      expect(customer.tax_ids).toMatchObject({
        object: 'list',
        has_more: false,
        data: [{ object: 'tax_id', type: 'eu_vat', value: 'DE123456789', country: 'DE', customer: customer.id }],
      });
      expect(customer.tax_ids?.data[0]?.id).toMatch(/^txi_/);

      // The sandbox saw Stripe's bracket encoding and decoded it back into nested objects/arrays.
      const request = the.sandbox.requests.at(-1);
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
      const created = await the.stripe.customers.create({ tax_id_data: [{ type: 'gb_vat', value: 'GB123456789' }] });
      expect(created.tax_ids).toBeUndefined();
      const expanded = await the.stripe.customers.retrieve(created.id, { expand: ['tax_ids'] });
      if (expanded.deleted) throw new Error('customer unexpectedly deleted');
      expect(expanded.tax_ids?.data.map((t) => t.value)).toEqual(['GB123456789']);
      expect(the.sandbox.state.customers.get(created.id)?.tax_ids).toMatchObject({ data: [{ country: 'GB' }] });
    });

    it('merges metadata on update, removes keys set to an empty string, and unsets fields with ""', async () => {
      const created = await the.stripe.customers.create({ name: 'A', email: 'a@acme.test', metadata: { keep: '1', drop: '2' } });
      const updated = await the.stripe.customers.update(created.id, { name: '', metadata: { drop: '', added: '3' } });

      expect(updated.metadata).toEqual({ keep: '1', added: '3' });
      expect(updated.name).toBeNull();
      expect(updated.email).toBe('a@acme.test');
      expect(the.sandbox.state.customers.get(created.id)?.metadata).toEqual({ keep: '1', added: '3' });
    });

    it('lists customers newest first, filtered by email, with limit and has_more', async () => {
      const first = await the.stripe.customers.create({ email: 'same@acme.test' });
      const second = await the.stripe.customers.create({ email: 'same@acme.test' });
      await the.stripe.customers.create({ email: 'other@acme.test' });

      const page = await the.stripe.customers.list({ email: 'same@acme.test', limit: 1 });
      expect(page).toMatchObject({ object: 'list', has_more: true, url: '/v1/customers' });
      expect(page.data.map((c) => c.id)).toEqual([second.id]);
      const all = await the.stripe.customers.list({ email: 'same@acme.test' }).autoPagingToArray({ limit: 10 });
      expect(all.map((c) => c.id)).toEqual([second.id, first.id]);
    });

    it('rejects params Stripe does not accept on update', async () => {
      const created = await the.stripe.customers.create({ name: 'A' });
      const params = { tax_id_data: [{ type: 'eu_vat', value: 'DE1' }] } as unknown as Stripe.CustomerUpdateParams;
      const error = await stripeError(() => the.stripe.customers.update(created.id, params));
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'tax_id_data' });
    });
  });

  describe('customer tax ids', () => {
    it('creates, lists and deletes tax ids, sharing the objects made by tax_id_data', async () => {
      const customer = await the.stripe.customers.create({ tax_id_data: [{ type: 'eu_vat', value: 'EL123456789' }] });
      const added = await the.stripe.customers.createTaxId(customer.id, { type: 'us_ein', value: '12-3456789' });
      expect(added.id).toMatch(/^txi_[0-9A-Za-z]{24}$/);
      expect(added).toMatchObject({
        object: 'tax_id', customer: customer.id, type: 'us_ein', value: '12-3456789', country: 'US', created: NOW_MS / 1000,
        verification: { status: 'unavailable' },
      });

      const listed = await the.stripe.customers.listTaxIds(customer.id);
      expect(listed).toMatchObject({ object: 'list', has_more: false, url: `/v1/customers/${customer.id}/tax_ids` });
      const fromCreate = listed.data[1];
      expect(listed.data.map((t) => t.id)).toEqual([added.id, fromCreate?.id]);
      expect(fromCreate).toMatchObject({ type: 'eu_vat', country: 'GR', verification: { status: 'pending' } });
      expect(the.sandbox.state.taxIds.get(fromCreate?.id ?? '')).toEqual(fromCreate);
      expect((await the.stripe.customers.listTaxIds(customer.id, { limit: 1 })).has_more).toBe(true);

      const deleted = await the.stripe.customers.deleteTaxId(customer.id, added.id);
      expect(deleted).toMatchObject({ id: added.id, object: 'tax_id', deleted: true });
      expect((await the.stripe.customers.listTaxIds(customer.id)).data.map((t) => t.id)).toEqual([fromCreate?.id]);
      const expanded = await the.stripe.customers.retrieve(customer.id, { expand: ['tax_ids'] });
      if (expanded.deleted) throw new Error('customer unexpectedly deleted');
      expect(expanded.tax_ids).toMatchObject({ total_count: 1, data: [{ id: fromCreate?.id }] });

      const again = await stripeError(() => the.stripe.customers.deleteTaxId(customer.id, added.id));
      expect(again).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    });

    it('answers an unknown customer with 404 and rejects tax id types Stripe does not know', async () => {
      for (const call of [() => the.stripe.customers.createTaxId('cus_missing', { type: 'eu_vat', value: 'DE123456789' }), () => the.stripe.customers.listTaxIds('cus_missing')]) {
        const error = await stripeError(call);
        expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
        expect(error).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'id', message: "No such customer: 'cus_missing'" });
      }
      const customer = await the.stripe.customers.create({});
      const badType = await stripeError(() => the.stripe.customers.createTaxId(customer.id, { type: 'xx_nope', value: '1' }));
      expect(badType).toMatchObject({ statusCode: 400, param: 'type' });
      expect(the.sandbox.state.taxIds.size).toBe(0);
    });
  });

  describe('payment methods', () => {
    it('attaches a magic test card as a fresh pm each time and retrieves it', async () => {
      const customer = await the.stripe.customers.create({});
      const first = await the.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
      expect(first.id).toMatch(/^pm_[0-9A-Za-z]{24}$/);
      expect(first).toMatchObject({ object: 'payment_method', type: 'card', customer: customer.id, card: { brand: 'visa', last4: '4242' } });
      const second = await the.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
      expect(second.id).not.toBe(first.id);
      expect(the.sandbox.state.paymentMethods.size).toBe(2);

      expect(await the.stripe.paymentMethods.retrieve(first.id)).toMatchObject({ id: first.id, customer: customer.id });
      const mastercard = await the.stripe.paymentMethods.attach('pm_card_mastercard', { customer: customer.id });
      expect(mastercard.card).toMatchObject({ brand: 'mastercard', last4: '4444', fingerprint: expect.any(String) });
      expect((await stripeError(() => the.stripe.paymentMethods.retrieve('pm_missing'))).statusCode).toBe(404);
    });

    it('attaches a created pm once: again to its customer is fine, another customer is refused', async () => {
      const [alice, bob] = [await the.stripe.customers.create({}), await the.stripe.customers.create({})];
      const pm = await the.stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_mastercard' } });
      expect(pm).toMatchObject({ customer: null, card: { brand: 'mastercard' } });
      expect((await the.stripe.paymentMethods.attach(pm.id, { customer: alice.id })).id).toBe(pm.id);
      expect((await the.stripe.paymentMethods.attach(pm.id, { customer: alice.id })).customer).toBe(alice.id);

      const taken = await stripeError(() => the.stripe.paymentMethods.attach(pm.id, { customer: bob.id }));
      expect(taken).toMatchObject({ statusCode: 400, rawType: 'invalid_request_error' });
      expect(the.sandbox.state.paymentMethods.get(pm.id)?.customer).toBe(alice.id);
      const noCustomer = await stripeError(() => the.stripe.paymentMethods.attach(pm.id, { customer: 'cus_missing' }));
      expect(noCustomer).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'customer' });
    });

    it('declines pm_card_chargeDeclined at attach with a 402 StripeCardError, storing nothing', async () => {
      const customer = await the.stripe.customers.create({});
      const error = await stripeError(() => the.stripe.paymentMethods.attach('pm_card_chargeDeclined', { customer: customer.id }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(error).toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' });
      const funds = await stripeError(() => the.stripe.paymentMethods.attach('pm_card_chargeDeclinedInsufficientFunds', { customer: customer.id }));
      expect(funds).toMatchObject({ decline_code: 'insufficient_funds' });

      const onCreate = await stripeError(() => the.stripe.customers.create({ name: 'Declined', payment_method: 'pm_card_chargeDeclined' }));
      expect(onCreate).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(the.sandbox.state.paymentMethods.size).toBe(0);
      expect(the.sandbox.state.customers.size).toBe(1);
    });

    it('makes attaching a magic id replay-safe through the idempotency key', async () => {
      const customer = await the.stripe.customers.create({});
      const first = await the.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id }, { idempotencyKey: 'attach-1' });
      const replay = await the.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id }, { idempotencyKey: 'attach-1' });
      expect(replay.id).toBe(first.id);
      expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');

      // A caller that timed out retries with its key and gets the pm Stripe already made, not a second one.
      const impatient = the.sandbox.client({ timeout: 50 });
      the.sandbox.delayNext(300);
      await stripeError(() => impatient.paymentMethods.attach('pm_card_visa', { customer: customer.id }, { idempotencyKey: 'attach-2' }));
      const retried = await the.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id }, { idempotencyKey: 'attach-2' });
      expect(the.sandbox.state.paymentMethods.size).toBe(2);
      expect(the.sandbox.state.paymentMethods.has(retried.id)).toBe(true);

      // The endpoint ran, so Stripe also replays the decline rather than re-verifying the card.
      await stripeError(() => the.stripe.paymentMethods.attach('pm_card_chargeDeclined', { customer: customer.id }, { idempotencyKey: 'attach-3' }));
      const replayed = await stripeError(() => the.stripe.paymentMethods.attach('pm_card_chargeDeclined', { customer: customer.id }, { idempotencyKey: 'attach-3' }));
      expect(replayed).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(replayed.headers?.['idempotent-replayed']).toBe('true');
    });

    it('requires invoice_settings.default_payment_method to be attached to that customer', async () => {
      const withPm = await the.stripe.customers.create({ payment_method: 'pm_card_mastercard' });
      // payment_method alone attaches but does not become the default.
      expect(withPm.invoice_settings.default_payment_method).toBeNull();
      expect([...the.sandbox.state.paymentMethods.values()].map((pm) => pm.customer)).toEqual([withPm.id]);

      const unknown = await stripeError(() => the.stripe.customers.create({ payment_method: 'pm_nope' }));
      expect(unknown).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'payment_method' });
      const unknownDefault = await stripeError(() => the.stripe.customers.create({ invoice_settings: { default_payment_method: 'pm_nope' } }));
      expect(unknownDefault).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'invoice_settings[default_payment_method]' });

      const customer = await the.stripe.customers.create({});
      const param = 'invoice_settings[default_payment_method]';
      for (const notAttached of ['pm_card_visa', [...the.sandbox.state.paymentMethods.keys()][0] ?? '']) {
        const error = await stripeError(() => the.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: notAttached } }));
        expect(error).toMatchObject({ statusCode: 400, code: 'resource_missing', param });
      }
      const pm = await the.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
      const updated = await the.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
      expect(updated.invoice_settings.default_payment_method).toBe(pm.id);
      const cleared = await the.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: '' } });
      expect(cleared.invoice_settings.default_payment_method).toBeNull();
    });
  });

});
