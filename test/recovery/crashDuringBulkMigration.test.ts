import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleStateOf } from '../../src/activities/subscriptionLifecycle.activities';
import { insertCustomerIfAbsent } from '../../src/db/repositories/customers.repository';
import { findSubscription } from '../../src/db/repositories/subscriptions.repository';
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

// A bulk migration of 1,000 subscriptions whose worker process is killed outright (SIGKILL) halfway: a new worker
// carries on from the last page's heartbeat, and every subscription ends on the latest version, migrated exactly once
// (one MIGRATED history entry, written in the transaction of the one change that moved it).
describe('a worker killed in the middle of a bulk migration', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let worker: WorkerProcess | undefined;
  let client: Client;
  let environmentId: string;
  const startWorker = async () => {
    worker = startWorkerProcess({ temporalAddress: env.address, databaseUrl: database.url, taskQueue: TASK_QUEUE });
    await worker.ready;
  };

  beforeAll(async () => {
    [env, database] = await Promise.all([createLocalEnvironment(), createTestDatabase()]);
    environmentId = (await createTestEnvironment(database.db)).environmentId;
    await prepareSubscriptionCatalog(database.db, environmentId);
    await startWorker();
    client = new Client({ connection: env.connection, namespace: env.namespace, dataConverter: testDataConverter });
  }, 120_000);
  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await worker?.exited;
    await Promise.all([env?.teardown(), database?.drop()]);
  });

  // One subscription provisioned for real, then copied to 999 more customers, each with its own live workflow (as
  // a continued-as-new run carries it), which is what a bulk migration talks to.
  async function thousandSubscriptionsOnVersionOne(): Promise<string[]> {
    const subscriptions = createSubscriptionsClient(createWorkflowStarter(client, { taskQueue: TASK_QUEUE, searchAttributes: false }));
    await insertCustomerIfAbsent(database.db, { environmentId, id: 'bulk-0000', name: null, email: null, couponId: null, metadata: {}, billingId: null });
    const { subscriptionId } = await subscriptions.provision({ environmentId, customerId: 'bulk-0000', request: { planId: 'plan-basic', billingPeriod: 'MONTHLY' } });
    const template = (await findSubscription(database.db, environmentId, subscriptionId))!;
    const ids = [subscriptionId];
    for (let i = 1; i < SUBSCRIPTIONS; i++) {
      const customerId = `bulk-${String(i).padStart(4, '0')}`;
      const id = `sub-bulk-${String(i).padStart(4, '0')}`;
      await insertCustomerIfAbsent(database.db, { environmentId, id: customerId, name: null, email: null, couponId: null, metadata: {}, billingId: null });
      const json = (value: unknown) => JSON.stringify(value);
      await database.db
        .insertInto('subscriptions')
        .values({ ...template, id, customer_id: customerId, billable_features: json(template.billable_features), addons: json(template.addons), prices: json(template.prices), metadata: json(template.metadata), last_invoice: null } as never)
        .execute();
      ids.push(id);
    }
    const state = lifecycleStateOf(template);
    for (let i = 1; i < ids.length; i += 50) {
      await Promise.all(
        ids.slice(i, i + 50).map((id, j) =>
          client.workflow.start('subscriptionWorkflow', {
            taskQueue: TASK_QUEUE,
            workflowId: workflowIds.subscription(environmentId, id),
            args: [{ environmentId, subscriptionId: id, customerId: `bulk-${String(i + j).padStart(4, '0')}`, request: { planId: 'plan-basic', billingPeriod: 'MONTHLY' }, live: { status: state.status, billingId: null, state } }],
          }),
        ),
      );
    }
    return ids;
  }

  it('resumes on a new worker and migrates each of 1,000 subscriptions exactly once', { timeout: 900_000 }, async () => {
    const ids = await thousandSubscriptionsOnVersionOne();
    await publishSecondVersions(database.db, environmentId);

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
  });
});
