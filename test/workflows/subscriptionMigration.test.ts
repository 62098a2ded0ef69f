import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNoneBillingProvider } from '../../src/billing/noneBillingProvider';
import { insertCustomerIfAbsent } from '../../src/db/repositories/customers.repository';
import { loadStoredEntitlements } from '../../src/db/repositories/effectiveEntitlements.repository';
import { listSubscriptionHistory } from '../../src/db/repositories/subscriptionHistory.repository';
import { findSubscription } from '../../src/db/repositories/subscriptions.repository';
import { toSubscriptionView } from '../../src/domain/subscriptions/toSubscriptionView';
import { createSubscriptionsClient, type SubscriptionsClient } from '../../src/temporal/subscriptions.client';
import { createWorkflowStarter } from '../../src/temporal/workflowStarter';
import { publishSecondVersions } from '../support/planVersions';
import { prepareSubscriptionCatalog } from '../support/subscriptionFixtures';
import { createTimeSkippingEnvironment, testDataConverter } from '../support/temporal';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { createTestEnvironment } from '../support/testEnvironment';
import { startTestWorker, type RunningTestWorker } from '../support/testWorker';

// An END_OF_BILLING_PERIOD migration is a durable timer of the subscription's workflow: skipped through here, it
// moves the subscription to the latest versions at the period end (entitlements with it), and not a moment before.
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let worker: RunningTestWorker;
let subscriptions: SubscriptionsClient;
let environmentId: string;

const DAY = 86_400_000;

beforeAll(async () => {
  [env, database] = await Promise.all([createTimeSkippingEnvironment(), createTestDatabase()]);
  environmentId = (await createTestEnvironment(database.db)).environmentId;
  worker = await startTestWorker(env, database.db, createNoneBillingProvider());
  const client = new Client({ connection: env.connection, namespace: env.namespace, dataConverter: testDataConverter });
  subscriptions = createSubscriptionsClient(createWorkflowStarter(client, { taskQueue: worker.taskQueue, searchAttributes: false }));
  await prepareSubscriptionCatalog(database.db, environmentId);
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  await Promise.all([env?.teardown(), database?.drop()]);
});

const row = (id: string) => findSubscription(database.db, environmentId, id).then((found) => found!);
const transitions = async (id: string) => (await listSubscriptionHistory(database.db, environmentId, id, { after: 0, limit: 500 })).map((entry) => `${entry.transition}:${entry.cause}`);
const projects = async (customerId: string) => (await loadStoredEntitlements(database.db, environmentId, customerId)).get('')?.find((grant) => grant.featureId === 'feature-projects')?.amount;

async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const value = await read();
    if (check(value) || attempt > 300) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a migration at the end of the billing period', () => {
  it('waits on a durable timer, then moves to the latest version with its entitlements; the period renews after', async () => {
    const customerId = 'migration-timer-1';
    await insertCustomerIfAbsent(database.db, { environmentId, id: customerId, name: 'Ada', email: 'ada@example.com', couponId: null, metadata: {}, billingId: null });
    const { subscriptionId } = await subscriptions.provision({ environmentId, customerId, request: { planId: 'plan-basic', billingPeriod: 'MONTHLY' } });
    await publishSecondVersions(database.db, environmentId);

    expect(await subscriptions.migrate(environmentId, subscriptionId, { subscriptionMigrationTime: 'END_OF_BILLING_PERIOD' })).toBe('SCHEDULED');
    const scheduled = await row(subscriptionId);
    const periodEnd = scheduled.current_billing_period_end!;
    expect(toSubscriptionView(scheduled).scheduledChanges).toEqual([{ type: 'MIGRATION', at: periodEnd.toISOString() }]);
    expect(scheduled.plan_version).toBe(1);
    expect(await projects(customerId)).toBe(20);

    // A day before the period ends nothing has moved yet.
    await env.sleep(periodEnd.getTime() - Date.now() - DAY);
    expect((await row(subscriptionId)).plan_version).toBe(1);

    await env.sleep(2 * DAY);
    const migrated = await eventually(() => row(subscriptionId), (r) => r.plan_version === 2 && r.current_billing_period_start?.getTime() === periodEnd.getTime());
    expect(migrated.plan_version).toBe(2);
    expect(migrated.prices.map((price) => `${price.packageId}@${price.version}:${price.amount}`)).toEqual(['plan-basic@2:2900']);
    expect(toSubscriptionView(migrated).scheduledChanges).toEqual([]);
    expect(await projects(customerId)).toBe(30);
    expect(await transitions(subscriptionId)).toEqual(['CREATED:API', 'MIGRATION_SCHEDULED:API', 'MIGRATED:TIMER', 'RENEWED:TIMER']);
  });
});
