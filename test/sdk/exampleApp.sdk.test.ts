import type { Server } from 'node:http';
import Tollgate, { UsageUpdateBehavior } from '@tollgate/node-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExampleApp } from '../../examples/express-app/app';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { freePort } from '../support/freePort';
import { eventually } from '../support/sdkService';
import { prepareSubscriptionCatalog } from '../support/subscriptionFixtures';
import { createTestEnvironment } from '../support/testEnvironment';

// The example app (examples/express-app) against the real service with the Stripe sandbox: a gated route, a
// metered quota, and the upgrade through the sandbox's hosted checkout reaching the app's cache by the stream.
let harness: ApiHarness;
let tollgate: Tollgate;
let example: Server;
let exampleUrl: string;

beforeAll(async () => {
  harness = await startApiHarness({ billing: 'stripe', webhooks: true });
  const { apiKey, environmentId } = await createTestEnvironment(harness.database.db);
  await prepareSubscriptionCatalog(harness.database.db, environmentId, { client: harness.client, taskQueue: harness.taskQueue });
  tollgate = Tollgate.initialize({ apiKey, baseUri: harness.url! });
  await tollgate.waitForInitialization();
  const port = await freePort();
  exampleUrl = `http://127.0.0.1:${port}`;
  example = await new Promise<Server>((resolve) => {
    const server = createExampleApp(tollgate, exampleUrl).listen(port, '127.0.0.1', () => resolve(server));
  });
});
afterAll(async () => {
  example?.closeAllConnections();
  await new Promise<void>((resolve) => (example ? example.close(() => resolve()) : resolve()));
  await tollgate?.close();
  await harness?.stop();
});

const call = async (method: string, path: string) => {
  const response = await fetch(`${exampleUrl}${path}`, { method });
  return { status: response.status, body: (await response.json().catch(() => undefined)) as any };
};

describe('the example app', () => {
  it('gates a route, consumes a quota, and opens the route once the upgrade is paid', async () => {
    expect(await call('POST', '/signup?customer=alice')).toMatchObject({ status: 201, body: { plan: 'plan-free' } });
    expect((await call('GET', '/reports/advanced?customer=alice')).status).toBe(402);
    expect(await call('POST', '/api/calls?customer=alice')).toMatchObject({ status: 200, body: { currentUsage: 1, usageLimit: 1000 } });
    expect(await call('POST', '/api/calls?customer=alice')).toMatchObject({ status: 200, body: { currentUsage: 2 } });
    await tollgate.reportUsage({ customerId: 'alice', featureId: 'feature-api-calls', value: 1000, updateBehavior: UsageUpdateBehavior.Set });
    expect(await call('POST', '/api/calls?customer=alice')).toMatchObject({ status: 429, body: { currentUsage: 1000 } });

    const upgrade = await call('POST', '/upgrade?customer=alice');
    expect(upgrade.body).toMatchObject({ provisionStatus: 'PAYMENT_REQUIRED' });
    const paid = await fetch(`${upgrade.body.checkoutUrl}/pay`, { method: 'POST', redirect: 'manual' });
    expect(paid.headers.get('location')).toBe(`${exampleUrl}/upgraded?customer=alice`);
    // The sandbox's webhook activates the subscription; the stream brings the new entitlements to the app's cache.
    await eventually(async () => (await call('GET', '/reports/advanced?customer=alice')).status === 200);
    expect(await call('POST', '/api/calls?customer=alice')).toMatchObject({ status: 200, body: { usageLimit: 500000 } });
  });
});
