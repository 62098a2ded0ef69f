import { describe, expect, it } from 'vitest';
import { BillingProviderError, type BillingCheckoutInput, type BillingProvider } from '../../src/billing/billingProvider';
import { createStripeBillingProvider } from '../../src/billing/stripeBillingProvider';
import { NOW, NOW_MS, monthlyPrice, payingCustomer, useStripeSandbox } from '../support/stripeSandboxTesting';

const DAY_MS = 86_400_000;

/** Runs `call` and returns the BillingProviderError it rejects with (fails the test if it resolves). */
async function providerError(call: () => Promise<unknown>): Promise<BillingProviderError> {
  const error = await call().then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(BillingProviderError);
  return error as BillingProviderError;
}

// The subscription calls of the Stripe adapter against the local sandbox, where objects keep state:
// what stripe-mock's canned answers cannot show (lookups that find nothing, refusals and their error mapping).
describe('Stripe adapter subscription calls (Stripe sandbox)', () => {
  const the = useStripeSandbox();
  const billing = (): BillingProvider => createStripeBillingProvider(the.sandbox.client());

  it('tells whether the customer has a default payment method', async () => {
    const bare = await the.stripe.customers.create({ name: 'No card' });
    const paying = await payingCustomer(the.stripe);
    expect(await billing().hasPaymentMethod(bare.id)).toBe(false);
    expect(await billing().hasPaymentMethod(paying.id)).toBe(true);
  });

  it('creates an exclusive tax rate once and finds it afterwards, ignoring an inclusive rate of the same percentage', async () => {
    const inclusive = await the.stripe.taxRates.create({ display_name: 'VAT incl.', percentage: 25, inclusive: true });
    const created = await billing().findOrCreateTaxRate({ idempotencyKey: 'tax-25', percentage: 25 });
    expect(created.billingId).not.toBe(inclusive.id);
    expect(await the.stripe.taxRates.retrieve(created.billingId)).toMatchObject({ percentage: 25, inclusive: false, active: true });
    expect(await billing().findOrCreateTaxRate({ idempotencyKey: 'tax-25-again', percentage: 25 })).toEqual(created);
    expect(the.sandbox.state.taxRates.size).toBe(2);
  });

  it('accepts an active tax rate and refuses an inactive or unknown one, not retryable', async () => {
    const active = await the.stripe.taxRates.create({ display_name: 'VAT', percentage: 19, inclusive: false });
    const inactive = await the.stripe.taxRates.create({ display_name: 'Old VAT', percentage: 16, inclusive: false, active: false });
    await expect(billing().checkTaxRate(active.id)).resolves.toBeUndefined();
    expect(await providerError(() => billing().checkTaxRate(inactive.id))).toMatchObject({ retryable: false, code: 'tax_rate_inactive', param: 'taxRateIds' });
    expect(await providerError(() => billing().checkTaxRate('txr_unknown'))).toMatchObject({ retryable: false, code: 'resource_missing' });
  });

  describe('finding a promotion code', () => {
    async function promotionCode(code: string, params: { customer?: string; max_redemptions?: number; expires_at?: number; active?: boolean } = {}) {
      const coupon = await the.stripe.coupons.create({ percent_off: 10 });
      return the.stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code, ...params });
    }

    it('finds an active code for anyone, and a customer\'s own code only for that customer', async () => {
      const ada = await payingCustomer(the.stripe);
      const bob = await the.stripe.customers.create({ name: 'Bob' });
      const open = await promotionCode('WELCOME');
      const adasOwn = await promotionCode('ADA-ONLY', { customer: ada.id });
      expect(await billing().findPromotionCode({ code: 'WELCOME', customerBillingId: bob.id })).toEqual({ promotionCodeId: open.id });
      expect(await billing().findPromotionCode({ code: 'WELCOME', customerBillingId: null })).toEqual({ promotionCodeId: open.id });
      expect(await billing().findPromotionCode({ code: 'ADA-ONLY', customerBillingId: ada.id })).toEqual({ promotionCodeId: adasOwn.id });
      expect(await billing().findPromotionCode({ code: 'ADA-ONLY', customerBillingId: bob.id })).toBeNull();
      expect(await billing().findPromotionCode({ code: 'ADA-ONLY', customerBillingId: null })).toBeNull();
    });

    it('finds nothing for an unknown, inactive, expired or used-up code', async () => {
      const customer = await payingCustomer(the.stripe);
      await promotionCode('PAUSED', { active: false });
      await promotionCode('SUMMER', { expires_at: NOW + 3600 });
      const once = await promotionCode('ONCE', { max_redemptions: 1 });
      const price = await monthlyPrice(the.stripe, 1500);
      await the.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], discounts: [{ promotion_code: once.id }] });
      the.clock.now += 2 * 3_600_000;
      for (const code of ['NOPE', 'PAUSED', 'SUMMER', 'ONCE']) {
        expect(await billing().findPromotionCode({ code, customerBillingId: customer.id }), code).toBeNull();
      }
    });
  });

  describe('subscriptions', () => {
    const input = (customerBillingId: string, priceId: string) => ({
      idempotencyKey: 'sub-1', customerBillingId, items: [{ priceBillingId: priceId, quantity: 2 }], taxRateIds: [], promotionCodeId: null,
      trialEnd: null, backdateStart: null, metadata: { tollgate_subscription_id: 'subscription-1' },
    });

    it('creates a trialing subscription with tax rate, promotion code and metadata; a retry with the same key creates nothing new', async () => {
      const customer = await payingCustomer(the.stripe);
      const price = await monthlyPrice(the.stripe, 1500);
      const { billingId: taxRateId } = await billing().findOrCreateTaxRate({ idempotencyKey: 'tax-19', percentage: 19 });
      const coupon = await the.stripe.coupons.create({ percent_off: 20 });
      const code = await the.stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: 'TWENTY' });
      const full = { ...input(customer.id, price.id), taxRateIds: [taxRateId], promotionCodeId: code.id, trialEnd: new Date(NOW_MS + 14 * DAY_MS) };
      const created = await billing().createSubscription(full);
      expect(created).toEqual({
        billingId: expect.stringMatching(/^sub_/), status: 'trialing', trialEnd: new Date(NOW_MS + 14 * DAY_MS),
        currentPeriodStart: new Date(NOW_MS), currentPeriodEnd: new Date(NOW_MS + 14 * DAY_MS),
        cancelAt: null, items: [{ priceBillingId: price.id, quantity: 2 }],
      });
      const stored = await the.stripe.subscriptions.retrieve(created.billingId, { expand: ['default_tax_rates'] });
      expect(stored).toMatchObject({ customer: customer.id, metadata: { tollgate_subscription_id: 'subscription-1' }, items: { data: [{ quantity: 2, price: { id: price.id } }] } });
      expect(stored.default_tax_rates?.map((rate) => rate.id)).toEqual([taxRateId]);
      expect(stored.discounts).toHaveLength(1);
      expect(await billing().createSubscription(full)).toEqual(created);
      expect(the.sandbox.state.subscriptions.size).toBe(1);
      expect(await billing().getSubscription(created.billingId)).toEqual(created);
    });

    it('backdates the start: the first period begins in the past', async () => {
      const customer = await payingCustomer(the.stripe);
      const price = await monthlyPrice(the.stripe, 1500);
      const created = await billing().createSubscription({ ...input(customer.id, price.id), backdateStart: new Date(NOW_MS - 5 * DAY_MS) });
      expect(created).toMatchObject({ status: 'active', currentPeriodStart: new Date(NOW_MS - 5 * DAY_MS), trialEnd: null });
      expect((await the.stripe.subscriptions.retrieve(created.billingId)).start_date).toBe(NOW - 5 * 86_400);
    });

    it('refuses a declined first payment as card_declined, not retryable, and creates nothing', async () => {
      // pm_card_chargeCustomerFail attaches and then declines every charge; pm_card_chargeDeclined would already fail to attach.
      const customer = await payingCustomer(the.stripe, 'pm_card_chargeCustomerFail');
      const price = await monthlyPrice(the.stripe, 1500);
      const error = await providerError(() => billing().createSubscription(input(customer.id, price.id)));
      expect(error).toMatchObject({ retryable: false, code: 'card_declined' });
      expect(the.sandbox.state.subscriptions.size).toBe(0);
    });

    it('refuses an unknown price as not retryable, naming Stripe\'s param', async () => {
      const customer = await payingCustomer(the.stripe);
      const error = await providerError(() => billing().createSubscription(input(customer.id, 'price_unknown')));
      expect(error).toMatchObject({ retryable: false, code: 'resource_missing' });
      expect(error.param).toMatch(/^items/);
    });

    it('cancels once; cancelling again (a retried activity) sends no second cancel', async () => {
      const customer = await payingCustomer(the.stripe);
      const price = await monthlyPrice(the.stripe, 1500);
      const created = await billing().createSubscription(input(customer.id, price.id));
      await billing().cancelSubscription({ idempotencyKey: 'cancel-1', billingId: created.billingId });
      expect((await billing().getSubscription(created.billingId)).status).toBe('canceled');
      await billing().cancelSubscription({ idempotencyKey: 'cancel-2', billingId: created.billingId });
      expect(the.sandbox.requests.filter((request) => request.method === 'DELETE')).toHaveLength(1);
    });

    it('a subscription Stripe does not know is a non-retryable resource_missing', async () => {
      expect(await providerError(() => billing().getSubscription('sub_unknown'))).toMatchObject({ retryable: false, code: 'resource_missing' });
    });

    it('an outage is retryable', async () => {
      the.sandbox.failNext(1, 503);
      expect(await providerError(() => billing().getSubscription('sub_whatever'))).toMatchObject({ retryable: true });
    });
  });

  describe('checkout sessions', () => {
    async function checkout(overrides: Partial<BillingCheckoutInput> = {}) {
      const customer = await the.stripe.customers.create({ name: 'Ada', email: 'ada@example.com' });
      const price = await monthlyPrice(the.stripe, 1500);
      const input: BillingCheckoutInput = {
        idempotencyKey: 'checkout-1', customerBillingId: customer.id, items: [{ priceBillingId: price.id, quantity: 1 }], taxRateIds: [], promotionCodeId: null,
        trialEnd: null, successUrl: 'https://app.example/done', cancelUrl: 'https://app.example/cancel', allowPromotionCodes: true, collectBillingAddress: true,
        collectTaxIds: true, collectPhoneNumber: true, referenceId: 'subscription-1', expiresAt: new Date(NOW_MS + 2 * 3_600_000), metadata: { tollgate_subscription_id: 'subscription-1' },
        ...overrides,
      };
      return billing().createCheckout(input);
    }

    it('creates an open session with every option and expires it; expiring again answers expired', async () => {
      const created = await checkout();
      expect(created).toEqual({ sessionId: expect.stringMatching(/^cs_test_/), url: expect.stringContaining(created.sessionId), expiresAt: new Date(NOW_MS + 2 * 3_600_000) });
      expect(await the.stripe.checkout.sessions.retrieve(created.sessionId)).toMatchObject({
        allow_promotion_codes: true, billing_address_collection: 'required', tax_id_collection: { enabled: true }, phone_number_collection: { enabled: true },
        client_reference_id: 'subscription-1', metadata: { tollgate_subscription_id: 'subscription-1' },
      });
      expect(await billing().getCheckout(created.sessionId)).toEqual({ status: 'open', subscriptionBillingId: null });
      expect(await billing().expireCheckout({ idempotencyKey: 'expire-1', sessionId: created.sessionId })).toEqual({ status: 'expired', subscriptionBillingId: null });
      expect(await billing().expireCheckout({ idempotencyKey: 'expire-2', sessionId: created.sessionId })).toEqual({ status: 'expired', subscriptionBillingId: null });
      expect(await billing().getCheckout(created.sessionId)).toEqual({ status: 'expired', subscriptionBillingId: null });
    });

    it('lets Checkout write the name and address back to the customer when it collects tax ids, as Stripe requires for an existing customer', async () => {
      // Stripe refuses tax_id_collection on an existing customer without customer_update[name]=auto ("Tax ID collection requires updating
      // business name on the customer") and, while the customer has no address, without customer_update[address]=auto; the sandbox does not check it.
      const sentUpdate = () => the.sandbox.requests.filter((request) => request.path === '/v1/checkout/sessions').at(-1)?.body.customer_update;
      await checkout({ collectTaxIds: true, collectBillingAddress: false });
      expect(sentUpdate()).toEqual({ name: 'auto', address: 'auto' });
      await checkout({ idempotencyKey: 'checkout-2', collectTaxIds: false, collectBillingAddress: true });
      expect(sentUpdate()).toEqual({ address: 'auto' });
      await checkout({ idempotencyKey: 'checkout-3', collectTaxIds: false, collectBillingAddress: false });
      expect(sentUpdate()).toBeUndefined();
    });

    it('a preset promotion code replaces the customer\'s own code field', async () => {
      const coupon = await the.stripe.coupons.create({ percent_off: 50 });
      const code = await the.stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: 'HALF' });
      const created = await checkout({ promotionCodeId: code.id, allowPromotionCodes: true });
      expect(await the.stripe.checkout.sessions.retrieve(created.sessionId)).toMatchObject({ allow_promotion_codes: null, discounts: [{ promotion_code: code.id }] });
    });

    it('expiring a session that was paid meanwhile answers complete with its subscription, which keeps running', async () => {
      const created = await checkout({ trialEnd: new Date(NOW_MS + 14 * DAY_MS) });
      the.sandbox.completeCheckout(created.sessionId);
      const answer = await billing().expireCheckout({ idempotencyKey: 'expire-1', sessionId: created.sessionId });
      expect(answer).toEqual({ status: 'complete', subscriptionBillingId: expect.stringMatching(/^sub_/) });
      expect(await billing().getCheckout(created.sessionId)).toEqual(answer);
      expect((await billing().getSubscription(answer.subscriptionBillingId as string)).status).toBe('trialing');
    });

    it('a session Stripe does not know is a non-retryable resource_missing', async () => {
      expect(await providerError(() => billing().getCheckout('cs_test_unknown'))).toMatchObject({ retryable: false, code: 'resource_missing' });
      expect(await providerError(() => billing().expireCheckout({ idempotencyKey: 'expire-x', sessionId: 'cs_test_unknown' }))).toMatchObject({ retryable: false, code: 'resource_missing' });
    });
  });
});
