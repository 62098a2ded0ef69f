import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BillingProvider } from '../../src/billing/billingProvider';
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
