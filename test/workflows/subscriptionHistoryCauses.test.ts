import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNoneBillingProvider } from '../../src/billing/noneBillingProvider';
import { createStripeBillingProvider } from '../../src/billing/stripeBillingProvider';
import { insertCustomerIfAbsent } from '../../src/db/repositories/customers.repository';
import { findSubscription } from '../../src/db/repositories/subscriptions.repository';
import { startStripeSandbox, type StripeSandbox } from '../../src/sandbox/server';
import { createSubscriptionsClient, type SubscriptionsClient } from '../../src/temporal/subscriptions.client';
import { createWorkflowStarter } from '../../src/temporal/workflowStarter';
import { billingEventSignal } from '../../src/workflows/definitions';
import { workflowIds } from '../../src/workflows/workflowIds';
import { prepareSubscriptionCatalog } from '../support/subscriptionFixtures';
import { createTimeSkippingEnvironment, testDataConverter } from '../support/temporal';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { createTestEnvironment } from '../support/testEnvironment';
import { startTestWorker, type RunningTestWorker } from '../support/testWorker';

// The causes the subscription workflow names for what is not an API call: webhooks, asking Stripe, timers.
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let sandbox: StripeSandbox;
let workers: RunningTestWorker[];
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
  workers = [await startTestWorker(env, database.db, createStripeBillingProvider(sandbox.client())), await startTestWorker(env, database.db, createNoneBillingProvider())];
  const client = new Client({ connection: env.connection, namespace: env.namespace, dataConverter: testDataConverter });
  withStripe = createSubscriptionsClient(createWorkflowStarter(client, { taskQueue: workers[0]!.taskQueue, searchAttributes: false }));
  withoutBilling = createSubscriptionsClient(createWorkflowStarter(client, { taskQueue: workers[1]!.taskQueue, searchAttributes: false }));
  await prepareSubscriptionCatalog(database.db, noneEnvironment);
  await prepareSubscriptionCatalog(database.db, stripeEnvironment, { client, taskQueue: workers[0]!.taskQueue });
}, 120_000);
afterAll(async () => {
  await Promise.all((workers ?? []).map((worker) => worker.stop()));
  await Promise.all([env?.teardown(), database?.drop(), sandbox?.close()]);
});

let counter = 0;
async function newCustomer(environmentId: string) {
  const customerId = `history-${++counter}`;
  await insertCustomerIfAbsent(database.db, { environmentId, id: customerId, name: 'Ada', email: 'ada@example.com', couponId: null, metadata: {}, billingId: null });
  return customerId;
}
const row = (environmentId: string, id: string) => findSubscription(database.db, environmentId, id).then((found) => found!);
const history = (environmentId: string, id: string) =>
  database.db
    .selectFrom('subscription_history')
    .select(['transition', 'from_status', 'to_status', 'cause', 'cause_detail'])
    .where('environment_id', '=', environmentId)
    .where('subscription_id', '=', id)
    .orderBy('id')
    .execute()
    .then((rows) => rows.map((r) => [r.transition, r.from_status, r.to_status, r.cause, r.cause_detail]));

// Waits (in real time) until the subscription's history has `length` entries.
async function historyOfLength(environmentId: string, id: string, length: number) {
  for (let attempt = 0; ; attempt++) {
    const entries = await history(environmentId, id);
    if (entries.length >= length || attempt > 200) return entries;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('history causes of hosted checkout (sandbox behind the real Stripe adapter)', () => {
  const provisionBasic = (customerId: string) =>
    withStripe.provision({ environmentId: stripeEnvironment, customerId, request: { planId: 'plan-basic', billingPeriod: 'MONTHLY', checkoutOptions: checkout } });

  it('a checkout paid by webhook: started by that event, which also replaced the free plan', async () => {
    const customerId = await newCustomer(stripeEnvironment);
    const free = await withStripe.provision({ environmentId: stripeEnvironment, customerId, request: { planId: 'plan-free' } });
    const outcome = await provisionBasic(customerId);
    const session = sandbox.completeCheckout((await row(stripeEnvironment, outcome.subscriptionId)).checkout_session_id!);
    await env.client.workflow.getHandle(workflowIds.subscription(stripeEnvironment, outcome.subscriptionId)).signal(billingEventSignal, {
      eventId: 'evt_history_completed',
      type: 'checkout.session.completed',
      created: Math.floor(Date.now() / 1000),
      objectId: session.id,
      subscriptionBillingId: session.subscription as string,
    });
    expect(await historyOfLength(stripeEnvironment, outcome.subscriptionId, 2)).toEqual([
      ['CHECKOUT_STARTED', null, 'PAYMENT_PENDING', 'API', 'provisionSubscription'],
      ['STARTED', 'PAYMENT_PENDING', 'ACTIVE', 'WEBHOOK', 'checkout.session.completed evt_history_completed'],
    ]);
    expect(await history(stripeEnvironment, free.subscriptionId)).toEqual([
      ['CREATED', null, 'ACTIVE', 'API', 'provisionSubscription'],
      ['REPLACED', 'ACTIVE', 'CANCELED', 'WEBHOOK', 'checkout.session.completed evt_history_completed'],
    ]);
  });

  it('a checkout paid without a webhook: started by asking Stripe', async () => {
    const outcome = await provisionBasic(await newCustomer(stripeEnvironment));
    const sessionId = (await row(stripeEnvironment, outcome.subscriptionId)).checkout_session_id!;
    sandbox.completeCheckout(sessionId);
    await env.sleep(20 * 60_000);
    expect((await historyOfLength(stripeEnvironment, outcome.subscriptionId, 2))[1]).toEqual(['STARTED', 'PAYMENT_PENDING', 'ACTIVE', 'PROVIDER_POLL', `checkout session ${sessionId}`]);
  });

  it('a checkout never paid: expired by its timer', async () => {
    const outcome = await provisionBasic(await newCustomer(stripeEnvironment));
    await env.sleep(24 * HOUR + 5 * 60_000);
    expect((await historyOfLength(stripeEnvironment, outcome.subscriptionId, 2))[1]).toEqual(['EXPIRED', 'PAYMENT_PENDING', 'EXPIRED', 'TIMER', 'checkout expiry']);
  });
});

describe('history causes over time (no billing integration)', () => {
  it('a scheduled start: scheduled by the request, started by its timer, which also replaced the live plan', async () => {
    const customerId = await newCustomer(noneEnvironment);
    const basic = await withoutBilling.provision({ environmentId: noneEnvironment, customerId, request: { planId: 'plan-basic', billingPeriod: 'MONTHLY' } });
    const startDate = new Date((await env.currentTimeMs()) + 10 * 24 * HOUR).toISOString();
    const scheduled = await withoutBilling.provision({ environmentId: noneEnvironment, customerId, request: { planId: 'plan-free', startDate } });
    await env.sleep(11 * 24 * HOUR);
    expect(await historyOfLength(noneEnvironment, scheduled.subscriptionId, 2)).toEqual([
      ['SCHEDULED', null, 'NOT_STARTED', 'API', 'provisionSubscription'],
      ['STARTED', 'NOT_STARTED', 'ACTIVE', 'TIMER', 'scheduled start'],
    ]);
    expect((await history(noneEnvironment, basic.subscriptionId))[1]).toEqual(['REPLACED', 'ACTIVE', 'CANCELED', 'TIMER', 'scheduled start']);
  });
});
