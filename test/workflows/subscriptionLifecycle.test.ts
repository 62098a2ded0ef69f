import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNoneBillingProvider } from '../../src/billing/noneBillingProvider';
import { createStripeBillingProvider } from '../../src/billing/stripeBillingProvider';
import { insertCustomerIfAbsent } from '../../src/db/repositories/customers.repository';
import { listSubscriptionHistory } from '../../src/db/repositories/subscriptionHistory.repository';
import { findSubscription, listCustomerLiveSubscriptions } from '../../src/db/repositories/subscriptions.repository';
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

// Every timer of a live subscription, skipped through: trial end, scheduled cancellations (and undoing one),
// renewals over 14 months, and a failed payment's grace period with the sandbox behind the real Stripe adapter.
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let sandbox: StripeSandbox;
let noneWorker: RunningTestWorker;
let stripeWorker: RunningTestWorker;
let withoutBilling: SubscriptionsClient;
let withStripe: SubscriptionsClient;
let noneEnvironment: string;
let stripeEnvironment: string;

const DAY = 86_400_000;

beforeAll(async () => {
  [env, database, sandbox] = await Promise.all([createTimeSkippingEnvironment(), createTestDatabase(), startStripeSandbox()]);
  noneEnvironment = (await createTestEnvironment(database.db)).environmentId;
  stripeEnvironment = (await createTestEnvironment(database.db)).environmentId;
  noneWorker = await startTestWorker(env, database.db, createNoneBillingProvider());
  stripeWorker = await startTestWorker(env, database.db, createStripeBillingProvider(sandbox.client()));
  const client = new Client({ connection: env.connection, namespace: env.namespace, dataConverter: testDataConverter });
  withoutBilling = createSubscriptionsClient(createWorkflowStarter(client, { taskQueue: noneWorker.taskQueue, searchAttributes: false }));
  withStripe = createSubscriptionsClient(createWorkflowStarter(client, { taskQueue: stripeWorker.taskQueue, searchAttributes: false }));
  await prepareSubscriptionCatalog(database.db, noneEnvironment);
  await prepareSubscriptionCatalog(database.db, stripeEnvironment, { client, taskQueue: stripeWorker.taskQueue });
}, 120_000);
afterAll(async () => {
  await Promise.all([noneWorker?.stop(), stripeWorker?.stop()]);
  await Promise.all([env?.teardown(), database?.drop(), sandbox?.close()]);
});

let counter = 0;
async function newCustomer(environmentId: string) {
  const customerId = `lifecycle-${++counter}`;
  await insertCustomerIfAbsent(database.db, { environmentId, id: customerId, name: 'Ada', email: 'ada@example.com', couponId: null, metadata: {}, billingId: null });
  return customerId;
}
// The customer's card, as provisioning with billingInfo.paymentMethodId leaves it: a Stripe customer with a default card.
async function cardOnFile(customerId: string): Promise<string> {
  const { billingId } = (await createStripeBillingProvider(sandbox.client()).createCustomer({
    idempotencyKey: `card-${customerId}`,
    environmentId: stripeEnvironment,
    customerId,
    name: 'Ada',
    email: 'ada@example.com',
    billingInfo: { paymentMethodId: 'pm_card_visa' },
  }))!;
  await database.db.updateTable('customers').set({ billing_id: billingId }).where('environment_id', '=', stripeEnvironment).where('id', '=', customerId).execute();
  return billingId;
}
const row = (environmentId: string, id: string) => findSubscription(database.db, environmentId, id).then((found) => found!);
const transitions = async (environmentId: string, id: string) =>
  (await listSubscriptionHistory(database.db, environmentId, id, { after: 0, limit: 500 })).map((entry) => `${entry.transition}:${entry.cause}`);
const livePlans = async (environmentId: string, customerId: string) => (await listCustomerLiveSubscriptions(database.db, environmentId, customerId, undefined)).map((s) => `${s.plan_id}:${s.status}`);

async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const value = await read();
    if (check(value) || attempt > 300) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// First: the tests without a provider skip months of workflow time, past these subscriptions' Stripe periods.
describe('with the sandbox behind the real Stripe adapter', () => {
  // A paid subscription started at Stripe at once: the customer has a card on file. (Not through hosted checkout: its
  // expiry is counted on Stripe's clock, the real one here, while this server's clock has skipped days ahead.)
  async function paidBasic() {
    const customerId = await newCustomer(stripeEnvironment);
    const customerBillingId = await cardOnFile(customerId);
    const outcome = await withStripe.provision({ environmentId: stripeEnvironment, customerId, request: { planId: 'plan-basic', billingPeriod: 'MONTHLY' } });
    const active = await eventually(() => row(stripeEnvironment, outcome.subscriptionId), (r) => r.status === 'ACTIVE');
    return { customerId, subscriptionId: outcome.subscriptionId, billingId: active.billing_id!, customerBillingId };
  }
  let events = 0;
  const signal = (subscriptionId: string, event: { type: string; objectId: string; subscriptionBillingId: string }) =>
    env.client.workflow
      .getHandle(workflowIds.subscription(stripeEnvironment, subscriptionId))
      .signal(billingEventSignal, { eventId: `evt_lifecycle_${++events}`, created: Math.floor(Date.now() / 1000), ...event });
  // A declined charge: the customer's next charge fails at the sandbox (here the prorated add-on an update invoices at
  // once), the invoice stays open, and Stripe's webhook says so.
  async function failPayment(paid: Awaited<ReturnType<typeof paidBasic>>) {
    sandbox.failNextPayment(paid.customerBillingId);
    await withStripe.update(stripeEnvironment, paid.subscriptionId, { addons: [{ addonId: 'addon-extra-projects', quantity: 1 }] });
    const invoice = (await sandbox.client().invoices.list({ customer: paid.customerBillingId, status: 'open' })).data[0]!;
    expect((await sandbox.client().subscriptions.retrieve(paid.billingId)).status).toBe('past_due');
    await signal(paid.subscriptionId, { type: 'invoice.payment_failed', objectId: invoice.id!, subscriptionBillingId: paid.billingId });
    return eventually(() => row(stripeEnvironment, paid.subscriptionId), (r) => r.status === 'PAYMENT_PENDING');
  }

  it('a failed payment keeps entitlements through the grace period, then ends it there and at Stripe, with the fallback plan', async () => {
    const paid = await paidBasic();
    const pending = await failPayment(paid);
    expect(pending).toMatchObject({ status: 'PAYMENT_PENDING', live_slot: 'PAID' });
    expect(pending.grace_period_end!.getTime() - pending.payment_failed_at!.getTime()).toBe(7 * DAY);

    await env.sleep(8 * DAY);
    const ended = await eventually(() => row(stripeEnvironment, paid.subscriptionId), (r) => r.status === 'EXPIRED');
    expect(ended).toMatchObject({ status: 'EXPIRED', end_reason: 'PAYMENT_FAILED' });
    expect((await sandbox.client().subscriptions.retrieve(paid.billingId)).status).toBe('canceled');
    expect(await eventually(() => livePlans(stripeEnvironment, paid.customerId), (plans) => plans.length > 0)).toEqual(['plan-free:ACTIVE']);
    expect(await transitions(stripeEnvironment, paid.subscriptionId)).toEqual(['CREATED:API', 'UPDATED:API', 'PAYMENT_FAILED:WEBHOOK', 'EXPIRED:TIMER']);
  });

  it('a payment made within the grace period restores ACTIVE (invoice.paid)', async () => {
    const paid = await paidBasic();
    await failPayment(paid);
    await env.sleep(2 * DAY);
    const open = (await sandbox.client().invoices.list({ customer: paid.customerBillingId, status: 'open' })).data[0]!;
    const settled = await sandbox.client().invoices.pay(open.id!);
    expect(settled.status).toBe('paid');
    await signal(paid.subscriptionId, { type: 'invoice.paid', objectId: open.id!, subscriptionBillingId: paid.billingId });
    const restored = await eventually(() => row(stripeEnvironment, paid.subscriptionId), (r) => r.status === 'ACTIVE');
    expect(restored).toMatchObject({ status: 'ACTIVE', grace_period_end: null, payment_failed_at: null });
    await env.sleep(8 * DAY);
    expect((await row(stripeEnvironment, paid.subscriptionId)).status).toBe('ACTIVE');
    expect(await transitions(stripeEnvironment, paid.subscriptionId)).toEqual(['CREATED:API', 'UPDATED:API', 'PAYMENT_FAILED:WEBHOOK', 'PAYMENT_RECOVERED:WEBHOOK']);
    // Ended here, so its own clock does not keep the time-skipping server busy in the tests after it.
    await withStripe.cancel(stripeEnvironment, paid.subscriptionId, { subscriptionCancellationTime: 'IMMEDIATE' });
  });

  it('a trial started without a card converts at its end when a card is on file by then: ACTIVE, billed at Stripe', async () => {
    const customerId = await newCustomer(stripeEnvironment);
    const trial = await withStripe.provision({ environmentId: stripeEnvironment, customerId, request: { planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 2 } });
    expect(await row(stripeEnvironment, trial.subscriptionId)).toMatchObject({ status: 'IN_TRIAL', billing_id: null });
    // The customer adds a card during the trial.
    const billingId = await cardOnFile(customerId);

    await env.sleep(15 * DAY);
    const converted = await eventually(() => row(stripeEnvironment, trial.subscriptionId), (r) => r.status === 'ACTIVE');
    expect(converted).toMatchObject({ status: 'ACTIVE', live_slot: 'PAID' });
    const atStripe = await sandbox.client().subscriptions.retrieve(converted.billing_id!);
    expect(atStripe).toMatchObject({ status: 'active', customer: billingId });
    expect(atStripe.items.data.map((item) => item.quantity).sort()).toEqual([1, 2]);
    expect(await transitions(stripeEnvironment, trial.subscriptionId)).toEqual(['CREATED:API', 'ACTIVATED:TIMER']);
    await withStripe.cancel(stripeEnvironment, trial.subscriptionId, { subscriptionCancellationTime: 'IMMEDIATE' });
  });
});

describe('without a billing provider (the workflow keeps the clock)', () => {
  it('a trial with no way to pay ends at its date: EXPIRED, and the customer falls back to the free plan', async () => {
    const customerId = await newCustomer(noneEnvironment);
    const trial = await withoutBilling.provision({ environmentId: noneEnvironment, customerId, request: { planId: 'plan-pro', billingPeriod: 'MONTHLY', unitQuantity: 2 } });
    const started = await row(noneEnvironment, trial.subscriptionId);
    expect(started).toMatchObject({ status: 'IN_TRIAL', current_billing_period_end: null });
    expect(started.trial_end_date!.getTime() - started.start_date.getTime()).toBe(14 * DAY);

    await env.sleep(13 * DAY);
    expect((await row(noneEnvironment, trial.subscriptionId)).status).toBe('IN_TRIAL');
    await env.sleep(2 * DAY);
    const ended = await eventually(() => row(noneEnvironment, trial.subscriptionId), (r) => r.status === 'EXPIRED');
    expect(ended).toMatchObject({ status: 'EXPIRED', end_reason: 'TRIAL_ENDED', live_slot: null });
    expect(await eventually(() => livePlans(noneEnvironment, customerId), (plans) => plans.length > 0)).toEqual(['plan-free:ACTIVE']);
    expect(await transitions(noneEnvironment, trial.subscriptionId)).toEqual(['CREATED:API', 'EXPIRED:TIMER']);
  });

  it('renews every month for 14 months on its own clock, each run carrying on as new (history stays bounded)', async () => {
    const customerId = await newCustomer(noneEnvironment);
    const basic = await withoutBilling.provision({ environmentId: noneEnvironment, customerId, request: { planId: 'plan-basic', billingPeriod: 'MONTHLY' } });
    const first = await row(noneEnvironment, basic.subscriptionId);
    expect(first.current_billing_period_start!.getTime()).toBe(first.start_date.getTime());
    const handle = env.client.workflow.getHandle(workflowIds.subscription(noneEnvironment, basic.subscriptionId));
    const firstRun = (await handle.describe()).runId;

    for (let month = 1; month <= 14; month++) {
      await env.sleep(31 * DAY);
      await eventually(() => transitions(noneEnvironment, basic.subscriptionId), (list) => list.filter((t) => t === 'RENEWED:TIMER').length >= month);
    }
    const renewed = await row(noneEnvironment, basic.subscriptionId);
    expect(renewed.status).toBe('ACTIVE');
    // Each period is the next month of the cycle anchored at the start: the 14th... 15th boundary from the start.
    const startMonth = first.start_date.getUTCFullYear() * 12 + first.start_date.getUTCMonth();
    const endMonth = renewed.current_billing_period_end!.getUTCFullYear() * 12 + renewed.current_billing_period_end!.getUTCMonth();
    expect(endMonth - startMonth).toBeGreaterThanOrEqual(15);
    expect(renewed.current_billing_period_end!.getTime()).toBeGreaterThan(renewed.current_billing_period_start!.getTime());

    const description = await handle.describe();
    expect(description.runId).not.toBe(firstRun);
    const history = await handle.fetchHistory();
    expect(history.events!.length).toBeLessThan(60);
  });

  it('cancels at the end of the billing period: live until then, CANCELED at that moment, then the fallback plan', async () => {
    const customerId = await newCustomer(noneEnvironment);
    const basic = await withoutBilling.provision({ environmentId: noneEnvironment, customerId, request: { planId: 'plan-basic', billingPeriod: 'MONTHLY' } });
    const periodEnd = (await row(noneEnvironment, basic.subscriptionId)).current_billing_period_end!;
    await withoutBilling.cancel(noneEnvironment, basic.subscriptionId, { subscriptionCancellationTime: 'END_OF_BILLING_PERIOD' });
    expect(await row(noneEnvironment, basic.subscriptionId)).toMatchObject({ status: 'ACTIVE', cancellation_date: periodEnd });

    await env.sleep(20 * DAY);
    expect((await row(noneEnvironment, basic.subscriptionId)).status).toBe('ACTIVE');
    await env.sleep(15 * DAY);
    const ended = await eventually(() => row(noneEnvironment, basic.subscriptionId), (r) => r.status === 'CANCELED');
    expect(ended).toMatchObject({ status: 'CANCELED', end_reason: 'CANCELED' });
    expect(ended.end_date!.getTime()).toBeGreaterThanOrEqual(periodEnd.getTime());
    expect(await eventually(() => livePlans(noneEnvironment, customerId), (plans) => plans.length > 0)).toEqual(['plan-free:ACTIVE']);
    expect(await transitions(noneEnvironment, basic.subscriptionId)).toEqual(['CREATED:API', 'CANCELLATION_SCHEDULED:API', 'CANCELED:TIMER']);
  });

  it('a cancellation on a specific date, undone by an update, never happens', async () => {
    const customerId = await newCustomer(noneEnvironment);
    const basic = await withoutBilling.provision({ environmentId: noneEnvironment, customerId, request: { planId: 'plan-basic', billingPeriod: 'MONTHLY' } });
    // Ten days after its start by the workflow's clock (skipped ahead by the tests before).
    const endDate = new Date((await row(noneEnvironment, basic.subscriptionId)).start_date.getTime() + 10 * DAY).toISOString();
    await withoutBilling.cancel(noneEnvironment, basic.subscriptionId, { subscriptionCancellationTime: 'SPECIFIC_DATE', endDate });
    expect((await row(noneEnvironment, basic.subscriptionId)).cancellation_date!.toISOString()).toBe(endDate);
    await env.sleep(3 * DAY);
    await withoutBilling.update(noneEnvironment, basic.subscriptionId, { cancellationDate: null });
    expect((await row(noneEnvironment, basic.subscriptionId)).cancellation_date).toBeNull();

    await env.sleep(12 * DAY);
    expect((await row(noneEnvironment, basic.subscriptionId)).status).toBe('ACTIVE');
    expect(await transitions(noneEnvironment, basic.subscriptionId)).toEqual(['CREATED:API', 'CANCELLATION_SCHEDULED:API', 'CANCELLATION_UNDONE:API']);
  });

  it('refuses a cancellation date in the past from inside the workflow too, changing nothing', async () => {
    const customerId = await newCustomer(noneEnvironment);
    const basic = await withoutBilling.provision({ environmentId: noneEnvironment, customerId, request: { planId: 'plan-basic', billingPeriod: 'MONTHLY' } });
    await expect(withoutBilling.cancel(noneEnvironment, basic.subscriptionId, { subscriptionCancellationTime: 'SPECIFIC_DATE', endDate: '2020-01-01T00:00:00.000Z' })).rejects.toThrow(/endDate/);
    expect(await row(noneEnvironment, basic.subscriptionId)).toMatchObject({ status: 'ACTIVE', cancellation_date: null });
    expect(await transitions(noneEnvironment, basic.subscriptionId)).toEqual(['CREATED:API']);
  });
});
