import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { readStripeEvent, verifyStripeWebhook, WebhookSignatureInvalid } from '../../src/billing/stripeWebhookEvents';

const SECRET = 'whsec_unit_test_secret_0123456789';
const event = (type: string, object: Record<string, unknown>) => ({ id: 'evt_1', object: 'event', created: 1_700_000_000, type, data: { object } }) as unknown as Stripe.Event;
const tollgate = { tollgate_environment: 'env-1', tollgate_subscription_id: 'sub-1', tollgate_customer_id: 'ada' };

describe('readStripeEvent', () => {
  it('reads a checkout session: its id, its Stripe subscription (id or expanded), the Tollgate ids in its metadata', () => {
    expect(readStripeEvent(event('checkout.session.completed', { id: 'cs_1', subscription: 'sub_1', metadata: tollgate }))).toEqual({
      event: { eventId: 'evt_1', type: 'checkout.session.completed', created: 1_700_000_000, objectId: 'cs_1', subscriptionBillingId: 'sub_1' },
      used: true,
      tollgate: { environmentId: 'env-1', subscriptionId: 'sub-1' },
      checkoutSessionId: 'cs_1',
    });
    expect(readStripeEvent(event('checkout.session.completed', { id: 'cs_1', subscription: { id: 'sub_2' }, metadata: {} }))).toMatchObject({
      event: { subscriptionBillingId: 'sub_2' },
      tollgate: null,
    });
  });

  it('reads a subscription by its own id, and an invoice by parent.subscription_details', () => {
    expect(readStripeEvent(event('customer.subscription.deleted', { id: 'sub_1', metadata: tollgate }))).toMatchObject({
      event: { objectId: 'sub_1', subscriptionBillingId: 'sub_1' },
      tollgate: { subscriptionId: 'sub-1' },
      checkoutSessionId: null,
    });
    const invoice = { id: 'in_1', parent: { type: 'subscription_details', subscription_details: { subscription: 'sub_1', metadata: tollgate } } };
    expect(readStripeEvent(event('invoice.paid', invoice))).toMatchObject({ event: { objectId: 'in_1', subscriptionBillingId: 'sub_1' }, tollgate: { environmentId: 'env-1' } });
    // A one-off invoice belongs to no subscription.
    expect(readStripeEvent(event('invoice.payment_failed', { id: 'in_2', parent: null }))).toMatchObject({ used: true, event: { subscriptionBillingId: null }, tollgate: null });
  });

  it('marks types Tollgate does not use, and ignores incomplete metadata', () => {
    expect(readStripeEvent(event('payment_method.attached', { id: 'pm_1', metadata: tollgate }))).toMatchObject({ used: false, tollgate: null, event: { objectId: 'pm_1' } });
    expect(readStripeEvent(event('customer.subscription.updated', { id: 'sub_1', metadata: { tollgate_environment: 'env-1' } })).tollgate).toBeNull();
  });
});

describe('verifyStripeWebhook', () => {
  const payload = JSON.stringify(event('invoice.paid', { id: 'in_1' }));
  const signed = (secret = SECRET, timestamp = Math.floor(Date.now() / 1000)) => Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });

  it('accepts the exact bytes signed with the secret', () => {
    expect(verifyStripeWebhook(Buffer.from(payload), signed(), SECRET).id).toBe('evt_1');
  });

  it.each([
    ['no header', payload, undefined],
    ['another secret', payload, signed('whsec_other')],
    ['a timestamp older than 300 s', payload, signed(SECRET, Math.floor(Date.now() / 1000) - 301)],
    ['a changed body', payload.replace('in_1', 'in_2'), signed()],
  ])('refuses %s', (_why, body, header) => {
    expect(() => verifyStripeWebhook(Buffer.from(body), header, SECRET)).toThrow(WebhookSignatureInvalid);
  });

  it('refuses a signed body that is not JSON', () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload: 'not json', secret: SECRET });
    expect(() => verifyStripeWebhook(Buffer.from('not json'), header, SECRET)).toThrow(WebhookSignatureInvalid);
  });
});
