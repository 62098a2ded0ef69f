import type Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../src/workflows/workflowIds';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { expectAnswersDocumented, recordAnswers } from '../support/documentedAnswers';
import { subscriptionTestCatalog } from '../support/subscriptionFixtures';
import { createTestEnvironment } from '../support/testEnvironment';

// archiveCustomer with Stripe: the sandbox behind the real Stripe adapter.
let harness: ApiHarness;
let key: string;
let environmentId: string;
let stripe: Stripe;

beforeAll(async () => {
  harness = await startApiHarness({ billing: 'stripe' });
  ({ apiKey: key, environmentId } = await createTestEnvironment(harness.database.db));
  stripe = harness.stripe!.client();
  await api().put('/v1/catalog').set('X-API-KEY', key).send(subscriptionTestCatalog()).expect(200);
  await harness.client.workflow.getHandle(workflowIds.syncCatalog(environmentId)).result();
}, 120_000);
afterAll(async () => harness?.stop());

const answers = recordAnswers(() => harness.app);
const api = answers.api;
afterEach(async () => expectAnswersDocumented(harness.app, answers.takeAnswers()));

let counter = 0;
async function newCustomer(paymentMethodId?: string) {
  const customerId = `archival-billing-${++counter}`;
  const body = { customerId, name: 'Grace Hopper', email: `${customerId}@example.com`, subscriptionParams: null, ...(paymentMethodId && { billingInfo: { paymentMethodId } }) };
  const created = await api().post('/v1/customers').set('X-API-KEY', key).send(body).expect(201);
  return { customerId, billingId: created.body.customer.billingId as string | null };
}
const provision = (body: Record<string, unknown>) => api().post('/v1/subscriptions').set('X-API-KEY', key).send(body).expect(201);
const archive = (customerId: string) => api().post(`/v1/customers/${customerId}/archive`).set('X-API-KEY', key).expect(200);
const subscriptionRows = (customerId: string) =>
  harness.database.db.selectFrom('subscriptions').select(['id', 'status', 'plan_id']).where('environment_id', '=', environmentId).where('customer_id', '=', customerId).orderBy('created_at').execute();
const checkout = { successUrl: 'https://app.example.com/welcome', cancelUrl: 'https://app.example.com/pricing' };

describe('archiveCustomer with Stripe', () => {
  it('cancels the Stripe subscription at once and keeps the Stripe customer, so its invoices can still finalize', async () => {
    const { customerId, billingId } = await newCustomer('pm_card_visa');
    const paid = (await provision({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY' })).body.subscription;
    expect(paid).toMatchObject({ status: 'ACTIVE', billingId: expect.stringMatching(/^sub_/) });
    expect((await stripe.subscriptions.retrieve(paid.billingId)).status).toBe('active');

    await archive(customerId);

    expect((await stripe.subscriptions.retrieve(paid.billingId)).status).toBe('canceled');
    const stripeCustomer = await stripe.customers.retrieve(billingId!);
    expect(stripeCustomer.deleted).toBeFalsy();
    // Only the paid plan's subscription, ended: no fallback plan was started for the archived customer.
    expect(await subscriptionRows(customerId)).toEqual([{ id: paid.id, status: 'CANCELED', plan_id: 'plan-basic' }]);
  });

  it('expires a waiting checkout session at Stripe', async () => {
    const { customerId } = await newCustomer();
    const waiting = await provision({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY', checkoutOptions: checkout });
    expect(waiting.body.provisionStatus).toBe('PAYMENT_REQUIRED');
    const sessions = () => [...harness.stripe!.state.checkoutSessions.values()].filter((session) => session.metadata.tollgate_customer_id === customerId);
    expect(sessions().map((session) => session.status)).toEqual(['open']);

    await archive(customerId);

    expect(sessions().map((session) => session.status)).toEqual(['expired']);
    expect(await subscriptionRows(customerId)).toEqual([{ id: waiting.body.subscription.id, status: 'CANCELED', plan_id: 'plan-basic' }]);
  });

  it('cancels a scheduled paid start, which never reaches Stripe', async () => {
    const { customerId } = await newCustomer('pm_card_visa');
    const startDate = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const scheduled = (await provision({ customerId, planId: 'plan-site-paid', resourceId: 'site-1', billingPeriod: 'MONTHLY', startDate })).body.subscription;
    expect(scheduled.status).toBe('NOT_STARTED');

    await archive(customerId);

    expect(await subscriptionRows(customerId)).toEqual([{ id: scheduled.id, status: 'CANCELED', plan_id: 'plan-site-paid' }]);
    const described = await harness.client.workflow.getHandle(workflowIds.subscription(environmentId, scheduled.id)).describe();
    expect(described.status.name).toBe('COMPLETED');
    expect([...harness.stripe!.state.subscriptions.values()].filter((s) => s.metadata.tollgate_customer_id === customerId)).toEqual([]);
  });
});
