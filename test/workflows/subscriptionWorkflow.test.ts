import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNoneBillingProvider } from '../../src/billing/noneBillingProvider';
import { createStripeBillingProvider } from '../../src/billing/stripeBillingProvider';
import { findSubscription } from '../../src/db/repositories/subscriptions.repository';
import { insertCustomerIfAbsent } from '../../src/db/repositories/customers.repository';
import { startStripeSandbox, type StripeSandbox } from '../../src/sandbox/server';
import { createSubscriptionsClient, type SubscriptionsClient } from '../../src/temporal/subscriptions.client';
import { createWorkflowStarter } from '../../src/temporal/workflowStarter';
import { billingEventSignal, subscriptionStatusQuery } from '../../src/workflows/definitions';
import { workflowIds } from '../../src/workflows/workflowIds';
import type { SubscriptionRequest } from '../../src/domain/subscriptions/subscriptionRequest.types';
import { prepareSubscriptionCatalog } from '../support/subscriptionFixtures';
import { createTimeSkippingEnvironment, testDataConverter } from '../support/temporal';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { createTestEnvironment } from '../support/testEnvironment';
import { startTestWorker, type RunningTestWorker } from '../support/testWorker';

let env: TestWorkflowEnvironment;
let database: TestDatabase;
let sandbox: StripeSandbox;
let stripeWorker: RunningTestWorker;
let noneWorker: RunningTestWorker;
let withStripe: SubscriptionsClient;
let withoutBilling: SubscriptionsClient;
let stripeEnvironment: string;
let noneEnvironment: string;

const HOUR = 3_600_000;
const checkout = { successUrl: 'https://app.example.com/welcome', cancelUrl: 'https://app.example.com/pricing' };

beforeAll(async () => {
  [env, database, sandbox] = await Promise.all([createTimeSkippingEnvironment(), createTestDatabase(), startStripeSandbox()]);
  stripeEnvironment = (await createTestEnvironment(database.db)).environmentId;
  noneEnvironment = (await createTestEnvironment(database.db)).environmentId;
  stripeWorker = await startTestWorker(env, database.db, createStripeBillingProvider(sandbox.client()));
  noneWorker = await startTestWorker(env, database.db, createNoneBillingProvider());
  // Real time for requests (activities are never timed out by skipped time); env.sleep skips it when a test waits.
  const client = new Client({ connection: env.connection, namespace: env.namespace, dataConverter: testDataConverter });
  withStripe = createSubscriptionsClient(createWorkflowStarter(client, { taskQueue: stripeWorker.taskQueue, searchAttributes: false }));
  withoutBilling = createSubscriptionsClient(createWorkflowStarter(client, { taskQueue: noneWorker.taskQueue, searchAttributes: false }));
  await prepareSubscriptionCatalog(database.db, noneEnvironment);
  await prepareSubscriptionCatalog(database.db, stripeEnvironment, { client, taskQueue: stripeWorker.taskQueue });
}, 120_000);
afterAll(async () => {
  await Promise.all([stripeWorker?.stop(), noneWorker?.stop()]);
  await Promise.all([env?.teardown(), database?.drop(), sandbox?.close()]);
});

let counter = 0;
async function newCustomer(environmentId: string) {
  const customerId = `customer-${++counter}`;
  await insertCustomerIfAbsent(database.db, { environmentId, id: customerId, name: 'Ada', email: 'ada@example.com', couponId: null, metadata: {}, billingId: null });
  return customerId;
}
const row = (environmentId: string, id: string) => findSubscription(database.db, environmentId, id).then((found) => found!);
const handleOf = (environmentId: string, id: string) => env.client.workflow.getHandle(workflowIds.subscription(environmentId, id));

// Waits (in real time, without skipping) until the subscription's row satisfies `check`.
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const value = await read();
    if (check(value) || attempt > 200) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('hosted checkout (sandbox behind the real Stripe adapter)', () => {
  const provisionBasic = async (customerId: string) =>
    withStripe.provision({ environmentId: stripeEnvironment, customerId, request: { planId: 'plan-basic', billingPeriod: 'MONTHLY', checkoutOptions: checkout } });

  // First: the tests after it skip hours of workflow time, which would race a checkout still waiting here.
  it('is cancelled on request: CANCELED, the session expired, nothing charged', async () => {
    const customerId = await newCustomer(stripeEnvironment);
    const outcome = await provisionBasic(customerId);
    const sessionId = (await row(stripeEnvironment, outcome.subscriptionId)).checkout_session_id!;
    expect(await withStripe.cancel(stripeEnvironment, outcome.subscriptionId, { subscriptionCancellationTime: 'IMMEDIATE' })).toBe(true);
    expect(await row(stripeEnvironment, outcome.subscriptionId)).toMatchObject({ status: 'CANCELED', end_reason: 'CANCELED' });
    expect((await sandbox.client().checkout.sessions.retrieve(sessionId)).status).toBe('expired');
  });

  // The customer pays at the moment the cancel arrives (no webhook yet): expiring the session finds it complete, so
  // the subscription starts, and the cancel is then applied to it, answered, and nothing waits forever.
  it('a cancel that meets a checkout just paid is applied once the subscription is live: CANCELED, at Stripe too', async () => {
    const customerId = await newCustomer(stripeEnvironment);
    const outcome = await provisionBasic(customerId);
    const session = sandbox.completeCheckout((await row(stripeEnvironment, outcome.subscriptionId)).checkout_session_id!);
    const answered = await Promise.race([
      withStripe.cancel(stripeEnvironment, outcome.subscriptionId, { subscriptionCancellationTime: 'IMMEDIATE' }),
      new Promise((resolve) => setTimeout(() => resolve('no answer after 20 s'), 20_000)),
    ]);
    expect(answered).toBe(true);
    expect(await row(stripeEnvironment, outcome.subscriptionId)).toMatchObject({ status: 'CANCELED', end_reason: 'CANCELED' });
    expect((await sandbox.client().subscriptions.retrieve(session.subscription as string)).status).toBe('canceled');
    expect(await handleOf(stripeEnvironment, outcome.subscriptionId).result()).toMatchObject({ status: 'CANCELED' });
  });

  it('two cancels sent together of a live subscription are both answered, and it ends once', async () => {
    const customerId = await newCustomer(stripeEnvironment);
    const outcome = await withStripe.provision({ environmentId: stripeEnvironment, customerId, request: { planId: 'plan-free' } });
    const cancel = () => withStripe.cancel(stripeEnvironment, outcome.subscriptionId, { subscriptionCancellationTime: 'IMMEDIATE' }).catch((error: Error) => error.message);
    const answers = await Promise.race([
      Promise.all([cancel(), cancel()]),
      new Promise((resolve) => setTimeout(() => resolve('no answer after 20 s'), 20_000)),
    ]);
    expect(answers).toEqual([true, true]);
    expect(await row(stripeEnvironment, outcome.subscriptionId)).toMatchObject({ status: 'CANCELED' });
    expect(await handleOf(stripeEnvironment, outcome.subscriptionId).result()).toMatchObject({ status: 'CANCELED' });
  });

  it('waits for payment, then becomes ACTIVE linked to the Stripe subscription and replaces the free plan', async () => {
    const customerId = await newCustomer(stripeEnvironment);
    const free = await withStripe.provision({ environmentId: stripeEnvironment, customerId, request: { planId: 'plan-free' } });
    expect(free.provisionStatus).toBe('SUCCESS');

    const outcome = await provisionBasic(customerId);
    expect(outcome.provisionStatus).toBe('PAYMENT_REQUIRED');
    expect(outcome.checkoutUrl).toContain(`${sandbox.url}/checkout/cs_test_`);
    const waiting = await row(stripeEnvironment, outcome.subscriptionId);
    expect(waiting).toMatchObject({ status: 'PAYMENT_PENDING', live_slot: 'CHECKOUT', billing_id: null });
    expect((await row(stripeEnvironment, free.subscriptionId)).status).toBe('ACTIVE');
    const status = await handleOf(stripeEnvironment, outcome.subscriptionId).query(subscriptionStatusQuery);
    expect(status).toMatchObject({ status: 'PAYMENT_PENDING', checkoutUrl: outcome.checkoutUrl });
    expect(status.waitingFor).toContain('checkout.session.completed');

    const session = sandbox.completeCheckout(waiting.checkout_session_id!);
    await handleOf(stripeEnvironment, outcome.subscriptionId).signal(billingEventSignal, {
      eventId: 'evt_test_completed_1',
      type: 'checkout.session.completed',
      created: Math.floor(Date.now() / 1000),
      objectId: session.id,
      subscriptionBillingId: session.subscription as string,
    });
    const active = await eventually(() => row(stripeEnvironment, outcome.subscriptionId), (r) => r.status === 'ACTIVE');
    expect(active).toMatchObject({ status: 'ACTIVE', live_slot: 'PAID', billing_id: session.subscription });
    expect(active.current_billing_period_end).not.toBeNull();
    expect(await row(stripeEnvironment, free.subscriptionId)).toMatchObject({ status: 'CANCELED', end_reason: 'REPLACED', replaced_by_id: outcome.subscriptionId });
  });

  it('notices a paid checkout within minutes even when no webhook arrives (it asks Stripe while it waits)', async () => {
    const customerId = await newCustomer(stripeEnvironment);
    const outcome = await provisionBasic(customerId);
    const waiting = await row(stripeEnvironment, outcome.subscriptionId);
    const session = sandbox.completeCheckout(waiting.checkout_session_id!);
    await env.sleep(20 * 60_000);
    const active = await eventually(() => row(stripeEnvironment, outcome.subscriptionId), (r) => r.status === 'ACTIVE');
    expect(active).toMatchObject({ status: 'ACTIVE', billing_id: session.subscription });
  });

  it('expires after 24 hours without payment: EXPIRED, the session expired at Stripe, the previous plan untouched', async () => {
    const customerId = await newCustomer(stripeEnvironment);
    const free = await withStripe.provision({ environmentId: stripeEnvironment, customerId, request: { planId: 'plan-free' } });
    const outcome = await provisionBasic(customerId);
    const sessionId = (await row(stripeEnvironment, outcome.subscriptionId)).checkout_session_id!;
    await env.sleep(24 * HOUR + 5 * 60_000);
    const expired = await eventually(() => row(stripeEnvironment, outcome.subscriptionId), (r) => r.status === 'EXPIRED');
    expect(expired).toMatchObject({ status: 'EXPIRED', live_slot: null, end_reason: 'CHECKOUT_EXPIRED' });
    expect((await sandbox.client().checkout.sessions.retrieve(sessionId)).status).toBe('expired');
    expect((await row(stripeEnvironment, free.subscriptionId)).status).toBe('ACTIVE');
    // Nothing charged: no Stripe subscription carries this subscription's id.
    expect([...sandbox.state.subscriptions.values()].filter((s) => s.metadata.tollgate_subscription_id === outcome.subscriptionId)).toHaveLength(0);
  });

});

describe('the seed rules over time (no billing integration)', () => {
  const provision = (customerId: string, request: SubscriptionRequest) => withoutBilling.provision({ environmentId: noneEnvironment, customerId, request });

  it('starts a scheduled subscription at its start date, replacing the live one then', async () => {
    const customerId = await newCustomer(noneEnvironment);
    const basic = await provision(customerId, { planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    const startDate = new Date((await env.currentTimeMs()) + 10 * 24 * HOUR).toISOString();
    const scheduled = await provision(customerId, { planId: 'plan-free', startDate });
    expect(scheduled.provisionStatus).toBe('SUCCESS');
    expect(await row(noneEnvironment, scheduled.subscriptionId)).toMatchObject({ status: 'NOT_STARTED', live_slot: 'SCHEDULED' });
    expect((await row(noneEnvironment, basic.subscriptionId)).status).toBe('ACTIVE');
    await env.sleep(11 * 24 * HOUR);
    const started = await eventually(() => row(noneEnvironment, scheduled.subscriptionId), (r) => r.status === 'ACTIVE');
    expect(started).toMatchObject({ status: 'ACTIVE', live_slot: 'PAID' });
    expect(started.start_date.toISOString()).toBe(startDate);
    expect(await row(noneEnvironment, basic.subscriptionId)).toMatchObject({ status: 'CANCELED', end_reason: 'REPLACED' });
  });

  it('decides a scheduled trial again when it starts: a trial used meanwhile makes it a paid start, not a stuck one', async () => {
    const customerId = await newCustomer(noneEnvironment);
    // Workflow time: earlier tests skipped it days ahead of the wall clock.
    const startDate = new Date((await env.currentTimeMs()) + 10 * 24 * HOUR).toISOString();
    const scheduled = await provision(customerId, { planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 2, startDate });
    expect(await row(noneEnvironment, scheduled.subscriptionId)).toMatchObject({ status: 'NOT_STARTED', trial_end_date: expect.any(Date) });
    // Meanwhile the customer takes the product's trial now.
    const trialNow = await provision(customerId, { planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 2 });
    expect((await row(noneEnvironment, trialNow.subscriptionId)).status).toBe('IN_TRIAL');
    await env.sleep(11 * 24 * HOUR);
    const started = await eventually(() => row(noneEnvironment, scheduled.subscriptionId), (r) => r.status !== 'NOT_STARTED');
    expect(started).toMatchObject({ status: 'ACTIVE', live_slot: 'PAID', trial_end_date: null });
    expect(await row(noneEnvironment, trialNow.subscriptionId)).toMatchObject({ status: 'CANCELED', end_reason: 'TRIAL_CONVERTED' });
  });

  it('runs a trial beside the paid plan, then converts the trial to paid when its plan is subscribed', async () => {
    const customerId = await newCustomer(noneEnvironment);
    const basic = await provision(customerId, { planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    const trial = await provision(customerId, { planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 3 });
    const trialRow = await row(noneEnvironment, trial.subscriptionId);
    expect(trialRow).toMatchObject({ status: 'IN_TRIAL', live_slot: 'TRIAL' });
    expect(trialRow.trial_end_date!.getTime() - trialRow.start_date.getTime()).toBe(14 * 24 * HOUR);
    expect((await row(noneEnvironment, basic.subscriptionId)).status).toBe('ACTIVE');

    const paid = await provision(customerId, { planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 3 });
    expect(await row(noneEnvironment, paid.subscriptionId)).toMatchObject({ status: 'ACTIVE', live_slot: 'PAID', trial_end_date: null });
    expect(await row(noneEnvironment, trial.subscriptionId)).toMatchObject({ status: 'CANCELED', end_reason: 'TRIAL_CONVERTED' });
    expect(await row(noneEnvironment, basic.subscriptionId)).toMatchObject({ status: 'CANCELED', end_reason: 'REPLACED' });
    // The replaced workflows were told, and finished.
    await expect(handleOf(noneEnvironment, basic.subscriptionId).result()).resolves.toMatchObject({ status: 'CANCELED' });
  });
});
