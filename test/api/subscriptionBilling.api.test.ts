import type Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { searchAttributeKeys } from '../../src/temporal/searchAttributes';
import { subscriptionStatusQuery } from '../../src/workflows/definitions';
import { workflowIds } from '../../src/workflows/workflowIds';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { expectAnswersDocumented, recordAnswers } from '../support/documentedAnswers';
import { subscriptionTestCatalog } from '../support/subscriptionFixtures';
import { createTestEnvironment } from '../support/testEnvironment';

// provisionSubscription with Stripe: the sandbox behind the real Stripe adapter.
let harness: ApiHarness;
let key: string;
let environmentId: string;
let stripe: Stripe;
let promotionCode: string;

beforeAll(async () => {
  harness = await startApiHarness({ billing: 'stripe' });
  ({ apiKey: key, environmentId } = await createTestEnvironment(harness.database.db));
  stripe = harness.stripe!.client();
  await api().put('/v1/catalog').set('X-API-KEY', key).send(subscriptionTestCatalog()).expect(200);
  await harness.client.workflow.getHandle(workflowIds.syncCatalog(environmentId)).result();
  const coupon = await stripe.coupons.create({ percent_off: 20, duration: 'forever' });
  promotionCode = (await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: 'LAUNCH20' })).code;
}, 120_000);
afterAll(async () => harness?.stop());

const answers = recordAnswers(() => harness.app);
const api = answers.api;
afterEach(async () => expectAnswersDocumented(harness.app, answers.takeAnswers()));

let counter = 0;
async function newCustomer(paymentMethodId?: string) {
  const customerId = `billing-${++counter}`;
  const body = { customerId, email: `${customerId}@example.com`, subscriptionParams: null, ...(paymentMethodId && { billingInfo: { paymentMethodId } }) };
  await api().post('/v1/customers').set('X-API-KEY', key).send(body).expect(201);
  return customerId;
}
const provision = (body: Record<string, unknown>, idempotencyKey?: string) => {
  const call = api().post('/v1/subscriptions').set('X-API-KEY', key);
  return (idempotencyKey ? call.set('Idempotency-Key', idempotencyKey) : call).send(body);
};
const stripeSubscriptionsOf = (customerId: string) => [...harness.stripe!.state.subscriptions.values()].filter((s) => s.metadata.tollgate_customer_id === customerId);
const sessionsOf = (customerId: string) => [...harness.stripe!.state.checkoutSessions.values()].filter((s) => s.metadata.tollgate_customer_id === customerId);
const checkout = { successUrl: 'https://app.example.com/welcome?session={CHECKOUT_SESSION_ID}', cancelUrl: 'https://app.example.com/pricing' };

describe('with a payment method on file', () => {
  it('creates the Stripe subscription with its items, discount, tax rate and metadata, and charges the first invoice', async () => {
    const customerId = await newCustomer('pm_card_visa');
    const { body } = await provision({
      customerId,
      planId: 'plan-pro',
      billingPeriod: 'MONTHLY',
      billableFeatures: [{ featureId: 'feature-seats', quantity: 3 }],
      addons: [{ addonId: 'addon-extra-projects', quantity: 2 }],
      skipTrial: true,
      promotionCode,
      billingInformation: { taxPercentage: 17, metadata: { crm: 'hubspot-42' } },
      metadata: { team: 'core' },
    }).expect(201);
    expect(body.provisionStatus).toBe('SUCCESS');
    expect(body.subscription).toMatchObject({ status: 'ACTIVE', promotionCode, billingId: expect.stringMatching(/^sub_/) });
    expect(body.subscription.currentBillingPeriodEnd).not.toBeNull();

    const [stripeSubscription] = stripeSubscriptionsOf(customerId);
    expect(stripeSubscription!.id).toBe(body.subscription.billingId);
    const items = (stripeSubscription!.items as { data: { price: { id: string }; quantity: number }[] }).data.map((item) => [item.price.id, item.quantity]);
    expect(items).toEqual(body.subscription.prices.map((price: { billingId: string; quantity: number }) => [price.billingId, price.quantity]));
    expect(stripeSubscription!.metadata).toMatchObject({ crm: 'hubspot-42', tollgate_subscription_id: body.subscription.id, tollgate_environment: environmentId });
    const invoice = await stripe.invoices.retrieve(stripeSubscription!.latest_invoice as string);
    // (4900 + 3 × 1200 + 2 × 500) × 80 % = 7600, plus 17 % tax = 8892.
    expect(invoice).toMatchObject({ status: 'paid', total: 8892, currency: 'usd' });

    // The 17 % rate is reused, not created again.
    const other = await newCustomer('pm_card_visa');
    await provision({ customerId: other, planId: 'plan-basic', billingPeriod: 'MONTHLY', billingInformation: { taxPercentage: 17 } }).expect(201);
    expect((await stripe.taxRates.list({ limit: 100 })).data.filter((rate) => rate.percentage === 17)).toHaveLength(1);
  });

  it('starts a trial at Stripe (trialing until the trial end), and a free plan never reaches Stripe', async () => {
    const customerId = await newCustomer('pm_card_visa');
    const trial = (await provision({ customerId, planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 2 }).expect(201)).body.subscription;
    expect(trial.status).toBe('IN_TRIAL');
    const [stripeSubscription] = stripeSubscriptionsOf(customerId);
    expect(stripeSubscription).toMatchObject({ status: 'trialing', trial_end: Math.floor(Date.parse(trial.trialEndDate) / 1000) });

    const free = await newCustomer('pm_card_visa');
    expect((await provision({ customerId: free, planId: 'plan-free' }).expect(201)).body.subscription.billingId).toBeNull();
    expect(stripeSubscriptionsOf(free)).toHaveLength(0);
  });

  it('refuses a declined card (422) and creates nothing, here or at Stripe', async () => {
    // Stripe's test card that attaches to the customer and then declines every charge.
    const customerId = await newCustomer('pm_card_chargeCustomerFail');
    const answer = await provision({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY' }).expect(422);
    expect(answer.body.error.code).toBe('BILLING_PROVIDER_REJECTED');
    expect(await api().get(`/v1/customers/${customerId}/subscriptions`).set('X-API-KEY', key).expect(200).then((r) => r.body)).toEqual([]);
    expect(stripeSubscriptionsOf(customerId)).toHaveLength(0);
  });

  it('answers a retried request (same Idempotency-Key) with the same subscription, created once', async () => {
    const customerId = await newCustomer('pm_card_visa');
    const body = { customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY' };
    const first = await provision(body, `idem-${customerId}`).expect(201);
    const again = await provision(body, `idem-${customerId}`).expect(201);
    expect(again.body.subscription.id).toBe(first.body.subscription.id);
    expect(stripeSubscriptionsOf(customerId)).toHaveLength(1);
  });
});

describe('without a payment method: hosted checkout', () => {
  it('answers PAYMENT_REQUIRED with the checkout URL at once; the session carries every checkout option', async () => {
    const customerId = await newCustomer();
    const free = (await provision({ customerId, planId: 'plan-free' }).expect(201)).body.subscription;
    const { body } = await provision({
      customerId,
      planId: 'plan-basic',
      billingPeriod: 'MONTHLY',
      addons: [{ addonId: 'addon-extra-projects', quantity: 1 }],
      checkoutOptions: { ...checkout, allowPromoCodes: true, collectBillingAddress: true, referenceId: 'ref-77', allowTaxIdCollection: true, collectPhoneNumber: true },
    }).expect(201);
    expect(body.provisionStatus).toBe('PAYMENT_REQUIRED');
    expect(body.subscription).toMatchObject({ status: 'PAYMENT_PENDING', checkoutUrl: body.checkoutUrl, billingId: null });
    const [session] = sessionsOf(customerId);
    expect(session).toMatchObject({
      url: body.checkoutUrl,
      status: 'open',
      success_url: checkout.successUrl,
      cancel_url: checkout.cancelUrl,
      allow_promotion_codes: true,
      billing_address_collection: 'required',
      client_reference_id: 'ref-77',
      tax_id_collection: { enabled: true },
      phone_number_collection: { enabled: true },
      amount_total: 2400,
    });
    const hours = ((session!.expires_at as number) * 1000 - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.5);
    // Nothing is charged and the customer keeps the free plan while the checkout waits.
    expect(stripeSubscriptionsOf(customerId)).toHaveLength(0);
    expect((await api().get(`/v1/subscriptions/${free.id}`).set('X-API-KEY', key).expect(200)).body.status).toBe('ACTIVE');
    // The Temporal UI finds every waiting checkout with one filter, and the status query says what it waits for.
    const query = `TollgateSubscriptionStatus = "PAYMENT_PENDING" AND TollgateCustomerId = "${customerId}"`;
    let found: string[] = [];
    for (let attempt = 0; attempt < 100 && found.length === 0; attempt++) {
      for await (const workflow of harness.client.workflow.list({ query })) found.push(workflow.workflowId);
      if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(found).toEqual([workflowIds.subscription(environmentId, body.subscription.id)]);
    const status = await harness.client.workflow.getHandle(found[0]!).query(subscriptionStatusQuery);
    expect(status).toMatchObject({ status: 'PAYMENT_PENDING', checkoutUrl: body.checkoutUrl });
    const attributes = (await harness.client.workflow.getHandle(found[0]!).describe()).typedSearchAttributes;
    expect(attributes.get(searchAttributeKeys.planId)).toBe('plan-basic');
    expect(attributes.get(searchAttributeKeys.subscriptionId)).toBe(body.subscription.id);

    // One checkout at a time on a product.
    const second = await provision({ customerId, planId: 'plan-basic', billingPeriod: 'ANNUALLY', checkoutOptions: checkout }).expect(409);
    expect(second.body.error.code).toBe('CHECKOUT_PENDING');
  });

  it('applies a promotion code to the session', async () => {
    const customerId = await newCustomer();
    await provision({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY', promotionCode, checkoutOptions: checkout }).expect(201);
    const [session] = sessionsOf(customerId);
    expect(session!.amount_total).toBe(1520);
  });

  it('needs checkoutOptions to send the customer to a checkout (400 naming it, nothing created)', async () => {
    const customerId = await newCustomer();
    const answer = await provision({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY' }).expect(400);
    expect(answer.body.error.field).toBe('checkoutOptions');
    expect(sessionsOf(customerId)).toHaveLength(0);
  });
});

describe('promotion codes are checked with Stripe', () => {
  it('refuses (422) a code Stripe does not have, creating nothing', async () => {
    const customerId = await newCustomer('pm_card_visa');
    const answer = await provision({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY', promotionCode: 'NOPE-99' }).expect(422);
    expect(answer.body.error).toMatchObject({ code: 'PROMOTION_CODE_NOT_APPLICABLE', field: 'promotionCode' });
    expect(stripeSubscriptionsOf(customerId)).toHaveLength(0);
    const checkoutCustomer = await newCustomer();
    await provision({ customerId: checkoutCustomer, planId: 'plan-basic', billingPeriod: 'MONTHLY', promotionCode: 'NOPE-99', checkoutOptions: checkout }).expect(422);
    expect(sessionsOf(checkoutCustomer)).toHaveLength(0);
    const rows = await harness.database.db.selectFrom('subscriptions').select('id').where('customer_id', 'in', [customerId, checkoutCustomer]).execute();
    expect(rows).toEqual([]);
  });
});
