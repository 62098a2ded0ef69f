import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleStateOf } from '../../src/activities/subscriptionLifecycle.activities';
import { insertCustomerIfAbsent } from '../../src/db/repositories/customers.repository';
import { findSubscription } from '../../src/db/repositories/subscriptions.repository';
import { createStripeBillingProvider } from '../../src/billing/stripeBillingProvider';
import { startStripeSandbox, type StripeSandbox } from '../../src/sandbox/server';
import type { BulkMigrationProgress } from '../../src/domain/subscriptions/bulkMigration';
import { createBulkMigrationsClient } from '../../src/temporal/bulkMigrations.client';
import { createSubscriptionsClient } from '../../src/temporal/subscriptions.client';
import { createWorkflowStarter } from '../../src/temporal/workflowStarter';
import { workflowIds } from '../../src/workflows/workflowIds';
import { publishSecondVersions } from '../support/planVersions';
import { prepareSubscriptionCatalog } from '../support/subscriptionFixtures';
import { createLocalEnvironment, testDataConverter } from '../support/temporal';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { createTestEnvironment } from '../support/testEnvironment';
import { startWorkerProcess, type WorkerProcess } from '../support/workerProcess';

// BULK_MIGRATION_SUBSCRIPTIONS=200 for a quicker run while working on it.
const SUBSCRIPTIONS = Number(process.env.BULK_MIGRATION_SUBSCRIPTIONS ?? 1000);
const TASK_QUEUE = 'bulk-migration-crash';

// A bulk migration of 1,000 paid subscriptions, each a subscription at the Stripe sandbox, whose worker process is
// killed outright (SIGKILL) halfway: a new worker carries on from the last page's heartbeat, and every subscription
// ends on the latest version, migrated exactly once: one MIGRATED history entry, written in the transaction of the
// one change that moved it, and one change at Stripe (its items on the new price, one proration invoice), however
// many times a call was retried.
describe('a worker killed in the middle of a bulk migration', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let worker: WorkerProcess | undefined;
  let client: Client;
  let environmentId: string;
  let sandbox: StripeSandbox;
  const startWorker = async () => {
    worker = startWorkerProcess({ temporalAddress: env.address, databaseUrl: database.url, taskQueue: TASK_QUEUE, billingApiBase: sandbox.url });
    await worker.ready;
  };

  beforeAll(async () => {
    [env, database, sandbox] = await Promise.all([createLocalEnvironment(), createTestDatabase(), startStripeSandbox()]);
    environmentId = (await createTestEnvironment(database.db)).environmentId;
    await startWorker();
    client = new Client({ connection: env.connection, namespace: env.namespace, dataConverter: testDataConverter });
    await prepareSubscriptionCatalog(database.db, environmentId, { client, taskQueue: TASK_QUEUE });
  }, 180_000);
  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await worker?.exited;
    await Promise.all([env?.teardown(), database?.drop(), sandbox?.close()]);
  });

  // A customer with a card, at Stripe and here.
  async function customerWithCard(customerId: string): Promise<string> {
    const { billingId } = (await createStripeBillingProvider(sandbox.client()).createCustomer({
      idempotencyKey: `card-${customerId}`, environmentId, customerId, name: null, email: null, billingInfo: { paymentMethodId: 'pm_card_visa' },
    }))!;
    await insertCustomerIfAbsent(database.db, { environmentId, id: customerId, name: null, email: null, couponId: null, metadata: {}, billingId });
    return billingId;
  }

  // One subscription provisioned for real (a subscription at Stripe), then copied to 999 more customers: each with its
  // own Stripe subscription on the same prices and its own live workflow (as a continued-as-new run carries it),
  // which is what a bulk migration talks to. Returns Tollgate's ids with Stripe's.
  async function thousandSubscriptionsOnVersionOne(): Promise<Map<string, string>> {
    const subscriptions = createSubscriptionsClient(createWorkflowStarter(client, { taskQueue: TASK_QUEUE, searchAttributes: false }));
    await customerWithCard('bulk-0000');
    const { subscriptionId } = await subscriptions.provision({ environmentId, customerId: 'bulk-0000', request: { planId: 'plan-basic', billingPeriod: 'MONTHLY' } });
    const template = (await findSubscription(database.db, environmentId, subscriptionId))!;
    expect(template.billing_id).toMatch(/^sub_/);
    const billingIds = new Map([[subscriptionId, template.billing_id!]]);
    const json = (value: unknown) => JSON.stringify(value);
    const copy = async (i: number) => {
      const customerId = `bulk-${String(i).padStart(4, '0')}`;
      const id = `sub-bulk-${String(i).padStart(4, '0')}`;
      const customerBillingId = await customerWithCard(customerId);
      const atStripe = await sandbox.client().subscriptions.create({
        customer: customerBillingId,
        items: template.prices.map((price) => ({ price: price.billingId!, quantity: price.quantity })),
        metadata: { tollgateEnvironmentId: environmentId, tollgateSubscriptionId: id },
      });
      const item = atStripe.items.data[0]!;
      const period = { current_billing_period_start: new Date(item.current_period_start * 1000), current_billing_period_end: new Date(item.current_period_end * 1000) };
      await database.db
        .insertInto('subscriptions')
        .values({ ...template, ...period, id, customer_id: customerId, billing_id: atStripe.id, billable_features: json(template.billable_features), addons: json(template.addons), prices: json(template.prices), metadata: json(template.metadata), last_invoice: null } as never)
        .execute();
      billingIds.set(id, atStripe.id);
      const state = lifecycleStateOf((await findSubscription(database.db, environmentId, id))!);
      await client.workflow.start('subscriptionWorkflow', {
        taskQueue: TASK_QUEUE,
        workflowId: workflowIds.subscription(environmentId, id),
        args: [{ environmentId, subscriptionId: id, customerId, request: { planId: 'plan-basic', billingPeriod: 'MONTHLY' }, live: { status: state.status, billingId: atStripe.id, state } }],
      });
    };
    for (let i = 1; i < SUBSCRIPTIONS; i += 25) await Promise.all(Array.from({ length: Math.min(25, SUBSCRIPTIONS - i) }, (_, j) => copy(i + j)));
    return billingIds;
  }

  // Version 2's prices at Stripe too (what the migration moves each subscription to).
  const syncSecondVersions = async () => {
    const handle = await client.workflow.start('syncCatalogWorkflow', { args: [{ environmentId }], taskQueue: TASK_QUEUE, workflowId: `${workflowIds.syncCatalog(environmentId)}:${TASK_QUEUE}:v2` });
    await handle.result();
  };

  it('resumes on a new worker and migrates each of 1,000 subscriptions exactly once, here and at Stripe', { timeout: 900_000 }, async () => {
    const billingIds = await thousandSubscriptionsOnVersionOne();
    const ids = [...billingIds.keys()];
    await publishSecondVersions(database.db, environmentId);
    await syncSecondVersions();
    const requestsBefore = sandbox.requests.length;

    const bulk = createBulkMigrationsClient(createWorkflowStarter(client, { taskQueue: TASK_QUEUE, searchAttributes: false }), { taskQueue: TASK_QUEUE, searchAttributes: false });
    const target = { environmentId, packageType: 'PLAN' as const, packageId: 'plan-basic' };
    await bulk.start({ ...target, subscriptionMigrationTime: 'IMMEDIATE', ratePerSecond: 100, pageSize: 200 });
    const progressNow = async () => (await bulk.progress(target))!;
    const waitFor = async (done: (progress: BulkMigrationProgress) => boolean) => {
      for (;;) {
        const progress = await progressNow().catch(() => undefined);
        if (progress && done(progress)) return progress;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };

    const migratedCount = async () => Number((await sql<{ count: string }>`select count(*) from subscriptions where plan_version = 2`.execute(database.db)).rows[0]!.count);
    while ((await migratedCount()) < SUBSCRIPTIONS * 0.4) await new Promise((resolve) => setTimeout(resolve, 100));
    const beforeKill = await progressNow();
    worker!.child.kill('SIGKILL');
    await worker!.exited;
    const migratedAtKill = await migratedCount();
    expect(migratedAtKill).toBeGreaterThan(0);
    expect(migratedAtKill).toBeLessThan(SUBSCRIPTIONS);
    await startWorker();

    const done = await waitFor((progress) => progress.status === 'COMPLETED');
    expect(beforeKill.status).toBe('RUNNING');
    expect(done).toMatchObject({ total: SUBSCRIPTIONS, processed: SUBSCRIPTIONS, migrated: SUBSCRIPTIONS, failed: 0, alreadyLatest: 0, pages: Math.ceil(SUBSCRIPTIONS / 200) });

    const versions = await database.db.selectFrom('subscriptions').select(['plan_version', (eb) => eb.fn.countAll<string>().as('count')]).where('environment_id', '=', environmentId).groupBy('plan_version').execute();
    expect(versions.map((row) => [row.plan_version, Number(row.count)])).toEqual([[2, SUBSCRIPTIONS]]);
    // Exactly once: every subscription has one MIGRATED entry, and there are no others.
    const migrations = await sql<{ subscription_id: string; count: string }>`
      select subscription_id, count(*) from subscription_history where environment_id = ${environmentId} and transition = 'MIGRATED' group by subscription_id`.execute(database.db);
    expect(migrations.rows).toHaveLength(SUBSCRIPTIONS);
    expect(migrations.rows.every((row) => Number(row.count) === 1)).toBe(true);
    expect(new Set(migrations.rows.map((row) => row.subscription_id))).toEqual(new Set(ids));

    // At Stripe, one change each: every update call of a subscription carries one idempotency key (a retry after the
    // crash repeats the first call, which Stripe answers without doing it again); each is on version 2's monthly
    // price, with one proration invoice.
    const secondPrice = (await findSubscription(database.db, environmentId, ids[0]!))!.prices[0]!.billingId!;
    const updateCalls = sandbox.requests.slice(requestsBefore).filter((request) => request.method === 'POST' && /^\/v1\/subscriptions\/sub_[^/]+$/.test(request.path));
    const keysPer = new Map<string, Set<string | undefined>>();
    for (const call of updateCalls) keysPer.set(call.path.split('/').pop()!, (keysPer.get(call.path.split('/').pop()!) ?? new Set()).add(call.idempotencyKey));
    console.log(`provider calls: ${updateCalls.length} subscription updates sent for ${SUBSCRIPTIONS} subscriptions (${updateCalls.length - SUBSCRIPTIONS} retries of a call already sent)`);
    expect(new Set(keysPer.keys())).toEqual(new Set(billingIds.values()));
    expect([...keysPer.values()].every((keys) => keys.size === 1 && !keys.has(undefined))).toBe(true);
    for (const billingId of billingIds.values()) {
      const atStripe = sandbox.state.subscriptions.get(billingId) as unknown as { items: { data: { price: { id: string } }[] } };
      expect(atStripe.items.data.map((item) => item.price.id)).toEqual([secondPrice]);
    }
    const prorationsPer = new Map<string, number>();
    for (const invoice of sandbox.state.invoices.values() as Iterable<Record<string, unknown>>) {
      if (invoice.billing_reason !== 'subscription_update') continue;
      const subscription = (invoice.parent as { subscription_details: { subscription: string } }).subscription_details.subscription;
      prorationsPer.set(subscription, (prorationsPer.get(subscription) ?? 0) + 1);
    }
    expect(new Set(prorationsPer.keys())).toEqual(new Set(billingIds.values()));
    expect([...prorationsPer.values()].every((count) => count === 1)).toBe(true);
  });
});
