import type { Server } from 'node:http';
import Tollgate, { SubscriptionMigrationTime } from '@tollgate/node-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../src/infra/httpServer';
import { applyCatalog } from '../../src/services/applyCatalog';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { publishSecondVersions } from '../support/planVersions';
import { subscriptionTestCatalog } from '../support/subscriptionFixtures';
import { createTestEnvironment } from '../support/testEnvironment';

// migrateSubscriptionToLatest through the Node SDK, with the seed's argument shape.
let harness: ApiHarness;
let server: Server;
let client: Tollgate;
let environmentId: string;

beforeAll(async () => {
  harness = await startApiHarness({ billing: 'none' });
  const environment = await createTestEnvironment(harness.database.db);
  environmentId = environment.environmentId;
  await applyCatalog(harness.database.db, environmentId, subscriptionTestCatalog());
  server = await listen(harness.app, 0, '127.0.0.1');
  client = Tollgate.initialize({ apiKey: environment.apiKey, baseUri: `http://127.0.0.1:${(server.address() as { port: number }).port}`, realtimeUpdatesEnabled: false });
}, 120_000);
afterAll(async () => {
  await client?.close();
  if (server) await closeServer(server);
  await harness?.stop();
});

describe('migrateSubscriptionToLatest', () => {
  it('END_OF_BILLING_PERIOD schedules, IMMEDIATE migrates, and again answers ALREADY_LATEST', async () => {
    await client.provisionCustomer({ customerId: 'sdk-migration-1', subscriptionParams: null });
    const { subscription } = await client.provisionSubscription({ customerId: 'sdk-migration-1', planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    await publishSecondVersions(harness.database.db, environmentId);

    const scheduled = await client.migrateSubscriptionToLatest({ subscriptionId: subscription!.id, subscriptionMigrationTime: SubscriptionMigrationTime.EndOfBillingPeriod });
    expect(scheduled.migration).toBe('SCHEDULED');
    expect(scheduled.subscription.scheduledChanges).toEqual([{ type: 'MIGRATION', at: subscription!.currentBillingPeriodEnd }]);

    const migrated = await client.migrateSubscriptionToLatest({ subscriptionId: subscription!.id });
    expect(migrated.migration).toBe('MIGRATED');
    expect(migrated.subscription).toMatchObject({ planId: 'plan-basic', scheduledChanges: [] });
    expect((migrated.subscription as unknown as { planVersion: number }).planVersion).toBe(2);

    expect((await client.migrateSubscriptionToLatest({ subscriptionId: subscription!.id })).migration).toBe('ALREADY_LATEST');
  });
});
