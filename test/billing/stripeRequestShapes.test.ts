import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BillingCheckoutInput, BillingProvider, BillingSubscriptionInput } from '../../src/billing/billingProvider';
import { createStripeBillingProvider, createStripeClient } from '../../src/billing/stripeBillingProvider';
import { SEED_BILLING_INFO } from '../support/seedExamples';
import { startStripeMock, stripeMockAvailable } from '../support/stripeMock';

// stripe-mock is stateless and answers canned objects: these tests check that Stripe's own spec accepts
// every request the adapter sends and that the answers parse, never amounts or state.
describe.skipIf(!stripeMockAvailable)('Stripe adapter requests against the official stripe-mock', () => {
  let mock: Awaited<ReturnType<typeof startStripeMock>>;
  let billing: BillingProvider;

  beforeAll(async () => {
    mock = await startStripeMock();
    billing = createStripeBillingProvider(createStripeClient({ secretKey: 'sk_test_123', apiBase: mock.url }));
  });
  afterAll(async () => mock?.stop());

  it('creates a customer with the seed\'s full billingInfo', async () => {
    const created = await billing.createCustomer({ idempotencyKey: 'k1', environmentId: 'env', customerId: 'customer-test-id', name: 'n', email: 'john@example.com', billingInfo: SEED_BILLING_INFO });
    expect(created?.billingId).toMatch(/^cus_/);
  });

  it('updates a customer, attaching the payment method and replacing tax ids', async () => {
    await expect(
      billing.updateCustomer({ idempotencyKey: 'k2', environmentId: 'env', customerId: 'c', name: 'n', email: 'e@example.com', billingId: 'cus_123', billingInfo: SEED_BILLING_INFO }),
    ).resolves.toBeUndefined();
  });

  it('creates and updates a product', async () => {
    const product = { idempotencyKey: 'k3', environmentId: 'env', packageId: 'plan-pro', kind: 'PLAN' as const, displayName: 'Pro', description: 'Best', active: true };
    const created = await billing.upsertProduct({ ...product, billingId: null });
    expect(created.billingId).toMatch(/^prod_/);
    await expect(billing.upsertProduct({ ...product, billingId: created.billingId, active: false })).resolves.toEqual({ billingId: created.billingId });
  });

  it('creates flat, per-unit and tiered prices and archives one', async () => {
    const base = { productBillingId: 'prod_123', environmentId: 'env', packageId: 'plan-pro', version: 2, billingPeriod: 'MONTHLY' as const, featureId: null, countryCode: null, currency: 'usd', tiersMode: null, tiers: null };
    expect((await billing.createPrice({ ...base, idempotencyKey: 'k4', billingModel: 'FLAT_FEE', amount: 4900 })).billingId).toMatch(/^price_/);
    expect((await billing.createPrice({ ...base, idempotencyKey: 'k5', billingModel: 'PER_UNIT', featureId: 'feature-seats', countryCode: 'DK', currency: 'dkk', amount: 1200 })).billingId).toMatch(/^price_/);
    const tiered = await billing.createPrice({
      ...base,
      idempotencyKey: 'k6',
      billingPeriod: 'ANNUALLY',
      billingModel: 'TIERED',
      featureId: 'feature-seats',
      amount: null,
      tiersMode: 'VOLUME',
      tiers: [{ upTo: 10, unitAmount: 1000, flatAmount: 500 }, { unitAmount: 800 }],
    });
    expect(tiered.billingId).toMatch(/^price_/);
    await expect(billing.archivePrice({ idempotencyKey: 'k7', billingId: tiered.billingId })).resolves.toBeUndefined();
  });
});

// Kept in this file, not a second one: stripe-mock also listens for HTTPS on its default port 12112, so two
// files starting it at once (vitest runs files in parallel) collide and one of them fails.
describe.skipIf(!stripeMockAvailable)('Stripe subscription adapter requests against the official stripe-mock', () => {
  let mock: Awaited<ReturnType<typeof startStripeMock>>;
  let billing: BillingProvider;

  beforeAll(async () => {
    mock = await startStripeMock();
    billing = createStripeBillingProvider(createStripeClient({ secretKey: 'sk_test_123', apiBase: mock.url }));
  });
  afterAll(async () => mock?.stop());

  const inAnHour = () => new Date(Date.now() + 3_600_000);
  const inAWeek = () => new Date(Date.now() + 7 * 86_400_000);
  const items = [{ priceBillingId: 'price_123', quantity: 3 }, { priceBillingId: 'price_456', quantity: 1 }];

  it('reads whether a customer has a payment method', async () => {
    // The canned customer has neither a default payment method nor a default source.
    expect(typeof (await billing.hasPaymentMethod('cus_123'))).toBe('boolean');
  });

  it('finds a tax rate, and creates one when none has the percentage', async () => {
    // The canned list holds one active 19 % rate: 19 is found in the list, 7.25 makes the adapter send the create.
    const listed = await billing.findOrCreateTaxRate({ idempotencyKey: 'tax-1', percentage: 19 });
    const created = await billing.findOrCreateTaxRate({ idempotencyKey: 'tax-2', percentage: 7.25 });
    expect(listed.billingId).toMatch(/^txr_/);
    expect(created.billingId).toMatch(/^txr_/);
  });

  it('checks a tax rate', async () => {
    // The canned tax rate is active, so the check passes; inactive and unknown rates are tested on the sandbox.
    await expect(billing.checkTaxRate('txr_123')).resolves.toBeUndefined();
  });

  it('looks a promotion code up by code for a customer and without one', async () => {
    // The canned list's only code expired in 2009 (expires_at 1234567890), so the adapter finds nothing usable:
    // this checks the list request and that the answer parses; which codes are usable is tested on the sandbox.
    await expect(billing.findPromotionCode({ code: 'WELCOME10', customerBillingId: 'cus_123' })).resolves.toBeNull();
    await expect(billing.findPromotionCode({ code: 'WELCOME10', customerBillingId: null })).resolves.toBeNull();
  });

  it('creates a subscription with every option: tax rates, promotion code, trial end, backdate, metadata', async () => {
    const input: BillingSubscriptionInput = {
      idempotencyKey: 'sub-1',
      customerBillingId: 'cus_123',
      items,
      taxRateIds: ['txr_123', 'txr_456'],
      promotionCodeId: 'promo_123',
      trialEnd: inAWeek(),
      backdateStart: new Date(Date.now() - 5 * 86_400_000),
      metadata: { tollgate_subscription_id: 'subscription-1', tollgate_environment_id: 'env-1' },
    };
    const created = await billing.createSubscription(input);
    expect(created.billingId).toMatch(/^sub_/);
    expect(typeof created.status).toBe('string');
    expect(created.currentPeriodStart).toBeInstanceOf(Date);
    expect(created.currentPeriodEnd).toBeInstanceOf(Date);
  });

  it('creates the plainest subscription: no tax, code, trial or backdate', async () => {
    const created = await billing.createSubscription({
      idempotencyKey: 'sub-2', customerBillingId: 'cus_123', items: items.slice(0, 1), taxRateIds: [], promotionCodeId: null, trialEnd: null, backdateStart: null, metadata: {},
    });
    expect(created.billingId).toMatch(/^sub_/);
  });

  it('reads and cancels a subscription', async () => {
    const read = await billing.getSubscription('sub_123');
    expect(read.billingId).toMatch(/^sub_/);
    // The canned subscription is active, so the adapter goes on to send the cancel request itself.
    expect(read.status).toBe('active');
    await expect(billing.cancelSubscription({ idempotencyKey: 'cancel-1', billingId: 'sub_123' })).resolves.toBeUndefined();
  });

  const checkout = (overrides: Partial<BillingCheckoutInput>): BillingCheckoutInput => ({
    idempotencyKey: 'checkout-1',
    customerBillingId: 'cus_123',
    items,
    taxRateIds: ['txr_123'],
    promotionCodeId: null,
    trialEnd: inAWeek(),
    successUrl: 'https://app.example/done?session={CHECKOUT_SESSION_ID}',
    cancelUrl: 'https://app.example/cancel',
    allowPromotionCodes: true,
    collectBillingAddress: true,
    collectTaxIds: true,
    collectPhoneNumber: true,
    referenceId: 'subscription-1',
    expiresAt: inAnHour(),
    metadata: { tollgate_subscription_id: 'subscription-1' },
    ...overrides,
  });

  it('creates a checkout with every option and the customer\'s own promotion code field', async () => {
    const session = await billing.createCheckout(checkout({}));
    expect(session.sessionId).toMatch(/^cs_/);
    expect(typeof session.url).toBe('string');
    expect(session.expiresAt).toBeInstanceOf(Date);
  });

  it('creates a checkout with every option and a preset promotion code instead', async () => {
    const session = await billing.createCheckout(checkout({ idempotencyKey: 'checkout-2', promotionCodeId: 'promo_123', allowPromotionCodes: true }));
    expect(session.sessionId).toMatch(/^cs_/);
  });

  it('creates the plainest checkout: no tax, code, trial, collection or reference', async () => {
    const session = await billing.createCheckout(
      checkout({ idempotencyKey: 'checkout-3', taxRateIds: [], trialEnd: null, allowPromotionCodes: false, collectBillingAddress: false, collectTaxIds: false, collectPhoneNumber: false, referenceId: null, metadata: {} }),
    );
    expect(session.sessionId).toMatch(/^cs_/);
  });

  it('previews a new subscription\'s first invoice, with tax rates and a promotion code and without (estimates)', async () => {
    const full = await billing.previewNewSubscription({ customerBillingId: 'cus_123', items, taxRateIds: ['txr_123'], promotionCodeId: 'promo_123' });
    const plain = await billing.previewNewSubscription({ customerBillingId: 'cus_123', items: items.slice(0, 1), taxRateIds: [], promotionCodeId: null });
    for (const preview of [full, plain]) {
      expect(typeof preview.total).toBe('number');
      expect(typeof preview.currency).toBe('string');
      expect(Array.isArray(preview.lines)).toBe(true);
    }
  });

  it('previews a change at a proration date (always_invoice, then the renewal), with a promotion code, without one, and unchanged', async () => {
    const prorationDate = new Date(Date.now() - 60_000);
    for (const promotionCodeId of ['promo_123', null, undefined]) {
      const { change, renewal } = await billing.previewSubscriptionChange({
        billingId: 'sub_123', customerBillingId: 'cus_123', items, prorationDate, ...(promotionCodeId !== undefined && { promotionCodeId }),
      });
      expect(typeof change.total).toBe('number');
      expect(typeof renewal.total).toBe('number');
    }
  });

  it('updates a subscription at an estimate\'s proration date', async () => {
    const updated = await billing.updateSubscription({ idempotencyKey: 'update-at-1', billingId: 'sub_123', items, prorate: true, resetBillingCycle: false, prorationDate: new Date(Date.now() - 60_000) });
    expect(updated.billingId).toMatch(/^sub_/);
  });

  it('finds an existing tax rate without creating one', async () => {
    // The canned list holds one active 19 % rate.
    expect((await billing.findTaxRate(19))?.billingId).toMatch(/^txr_/);
    expect(await billing.findTaxRate(7.25)).toBeNull();
  });

  it('reads and expires a checkout', async () => {
    const read = await billing.getCheckout('cs_test_123');
    expect(['open', 'complete', 'expired']).toContain(read.status);
    // The canned session is open, so the adapter goes on to send the expire request; its canned answer is
    // again the open session, so the answer says open (the sandbox tests check the real transitions).
    expect(read.status).toBe('open');
    const expired = await billing.expireCheckout({ idempotencyKey: 'expire-1', sessionId: 'cs_test_123' });
    expect(['open', 'complete', 'expired']).toContain(expired.status);
  });
});
