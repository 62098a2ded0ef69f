import { describe, it, expect } from 'vitest';
import Stripe from 'stripe';
import { stripeError, useStripeSandbox } from '../support/stripeSandboxTesting';

describe('idempotency and failures (Stripe sandbox, driven through the real stripe SDK)', () => {
  const the = useStripeSandbox();

  describe('idempotency', () => {
    it('replays the first response for the same key and params, creating one object', async () => {
      const params = { name: 'Once', metadata: { n: '1' } };
      const first = await the.stripe.customers.create(params, { idempotencyKey: 'create-once' });
      const second = await the.stripe.customers.create(params, { idempotencyKey: 'create-once' });

      expect(second.id).toBe(first.id);
      expect(the.sandbox.state.customers.size).toBe(1);
      expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
      expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    });

    it('surfaces a key reused with different params as StripeIdempotencyError', async () => {
      await the.stripe.customers.create({ name: 'First' }, { idempotencyKey: 'reused-key' });
      const error = await stripeError(() => the.stripe.customers.create({ name: 'Second' }, { idempotencyKey: 'reused-key' }));

      expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
      expect(error).toMatchObject({ statusCode: 400, rawType: 'idempotency_error' });
      expect(the.sandbox.state.customers.size).toBe(1);
    });

    it('rejects a key reused on a different endpoint', async () => {
      await the.stripe.products.create({ name: 'P' }, { idempotencyKey: 'shared-key' });
      const error = await stripeError(() => the.stripe.customers.create({ name: 'P' }, { idempotencyKey: 'shared-key' }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    });

    it('lets a caller that timed out during a delayed response recover by retrying with the same key', async () => {
      const impatient = the.sandbox.client({ timeout: 50 });
      the.sandbox.delayNext(300);
      const error = await stripeError(() => impatient.customers.create({ name: 'Slow' }, { idempotencyKey: 'slow-key' }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
      // Stripe committed the write even though the caller never saw the response.
      expect(the.sandbox.state.customers.size).toBe(1);

      const retried = await the.stripe.customers.create({ name: 'Slow' }, { idempotencyKey: 'slow-key' });
      expect(retried.id).toBe([...the.sandbox.state.customers.keys()][0]);
      expect(the.sandbox.state.customers.size).toBe(1);
    });
  });

  describe('failures', () => {
    it('turns failNext into a StripeAPIError, then serves normally', async () => {
      the.sandbox.failNext(1);
      const error = await stripeError(() => the.stripe.customers.create({ name: 'Flaky' }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
      expect(error).toMatchObject({ statusCode: 500, rawType: 'api_error' });
      expect(the.sandbox.state.customers.size).toBe(0);

      const ok = await the.stripe.customers.create({ name: 'Flaky' });
      expect(ok.name).toBe('Flaky');
    });

    it('lets an SDK configured with retries ride over injected 500s with one idempotency key', async () => {
      const retrying = the.sandbox.client({ maxNetworkRetries: 2 });
      the.sandbox.failNext(1);
      const customer = await retrying.customers.create({ name: 'Retried' });

      expect(customer.name).toBe('Retried');
      expect(the.sandbox.state.customers.size).toBe(1);
      const keys = the.sandbox.requests.map((r) => r.idempotencyKey);
      expect(keys).toHaveLength(2);
      expect(keys[1]).toBe(keys[0]);
    });

    it('answers unknown ids with 404 resource_missing as StripeInvalidRequestError', async () => {
      for (const call of [() => the.stripe.customers.retrieve('cus_missing'), () => the.stripe.prices.retrieve('price_missing'), () => the.stripe.products.update('prod_missing', { name: 'x' })]) {
        const error = await stripeError(call);
        expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
        expect(error).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'id' });
      }
      expect((await stripeError(() => the.stripe.customers.retrieve('cus_missing'))).message).toBe("No such customer: 'cus_missing'");
    });

    it('answers unknown routes with 404 and bad keys with 401', async () => {
      const unknownRoute = await stripeError(() => the.stripe.rawRequest('GET', '/v1/unknown_things'));
      expect(unknownRoute).toMatchObject({ statusCode: 404 });

      const badKey = new Stripe('sk_live_nope', { host: '127.0.0.1', port: the.sandbox.port, protocol: 'http', maxNetworkRetries: 0 });
      const auth = await stripeError(() => badKey.customers.list());
      expect(auth).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    });
  });
});
