import request from 'supertest';
import { workflowIds } from '../../src/workflows/workflowIds';
import { startApiHarness } from './apiHarness';
import { subscriptionTestCatalog } from './subscriptionFixtures';
import { createTestEnvironment } from './testEnvironment';

// The service billing through the Stripe sandbox behind the real Stripe adapter (its clock read from `stripeNow`),
// signed webhooks on, with an environment whose catalog is the subscription test catalog, synced to Stripe.
export async function startStripeCatalogHarness(stripeNow: () => number) {
  const harness = await startApiHarness({ billing: 'stripe', webhooks: true, stripeNow });
  const environment = await createTestEnvironment(harness.database.db);
  await request(harness.app).put('/v1/catalog').set('X-API-KEY', environment.apiKey).send(subscriptionTestCatalog()).expect(200);
  await harness.client.workflow.getHandle(workflowIds.syncCatalog(environment.environmentId)).result();
  return { harness, key: environment.apiKey, environmentId: environment.environmentId, stripe: harness.stripe!.client() };
}
