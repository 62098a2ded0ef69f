import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/createApp';
import { FAST_LANE_COUNTER } from '../../src/api/entitlementCheckFastLane';
import { createDb } from '../../src/db/createDb';
import { applyCatalog } from '../../src/services/applyCatalog';
import { revokeApiKey } from '../../src/services/environments';
import { createWorkflowClients } from '../../src/temporal/workflowClients';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { startFreezableProxy } from '../support/freezableProxy';
import { subscriptionTestCatalog } from '../support/subscriptionFixtures';
import { createTestEnvironment } from '../support/testEnvironment';

// The entitlement-check fast lane answers exactly what the route answers: the same requests sent to the harness's
// app (change feed, so cached keys and the lane) and to an app without a change feed (no cache, so never the lane)
// get the same status, media type and body; and the lane is really taken for the checks it may answer.
let harness: ApiHarness;
let key: string;
let environmentId: string;
let plain: ReturnType<typeof createApp>;

const appOn = (db: ApiHarness['database']['db'], changeFeed?: ApiHarness['changeFeed']) =>
  createApp({
    db,
    workflows: createWorkflowClients(harness.client, { taskQueue: harness.taskQueue, searchAttributes: false }),
    billingProvider: 'none',
    logger: pino({ level: 'silent' }),
    temporalHealthy: async () => true,
    changeFeed,
  });

beforeAll(async () => {
  harness = await startApiHarness({ billing: 'none' });
  ({ apiKey: key, environmentId } = await createTestEnvironment(harness.database.db));
  const applied = await applyCatalog(harness.database.db, environmentId, subscriptionTestCatalog());
  if (!applied.ok) throw new Error(JSON.stringify(applied.issues));
  plain = appOn(harness.database.db);
  for (const customerId of ['lane-1', 'lane-2']) await request(harness.app).post('/v1/customers').set('X-API-KEY', key).send({ customerId }).expect(201);
  await request(harness.app).post('/v1/subscriptions').set('X-API-KEY', key).send({ customerId: 'lane-2', planId: 'plan-site-free', resourceId: 'site-1' }).expect(201);
  await request(harness.app).post('/v1/usage').set('X-API-KEY', key).send({ customerId: 'lane-1', featureId: 'feature-api-calls', value: 7 }).expect(200);
  // One request through the router caches the key: later checks may take the lane.
  await request(harness.app).get('/v1/customers/lane-1').set('X-API-KEY', key).expect(200);
});
afterAll(async () => harness?.stop());

const served = (app: ReturnType<typeof createApp>) => (app.locals[FAST_LANE_COUNTER] as number | undefined) ?? 0;
const send = (app: ReturnType<typeof createApp>, path: string, apiKey: string | null = key) => {
  const call = request(app).get(path);
  return apiKey === null ? call : call.set('X-API-KEY', apiKey);
};
const answerOf = (response: request.Response) => ({ status: response.status, type: response.headers['content-type'], body: response.body });

describe('the entitlement-check fast lane', () => {
  const laneChecks: [string, string][] = [
    ['numeric, granted', '/v1/customers/lane-1/entitlements/feature-projects'],
    ['metered with usage, default requestedUsage', '/v1/customers/lane-1/entitlements/feature-api-calls'],
    ['metered over the limit', '/v1/customers/lane-1/entitlements/feature-api-calls?requestedUsage=994'],
    ['boolean not in the plan', '/v1/customers/lane-1/entitlements/feature-sso'],
    ['a type mismatch', '/v1/customers/lane-1/entitlements/feature-projects?type=BOOLEAN'],
    ['a resource of the customer', '/v1/customers/lane-2/entitlements/feature-projects?resourceId=site-1'],
    ['an unknown resource', '/v1/customers/lane-2/entitlements/feature-projects?resourceId=site-9'],
    ['an unknown customer', '/v1/customers/nobody/entitlements/feature-projects'],
    ['an unknown feature', '/v1/customers/lane-1/entitlements/feature-nothing'],
  ];
  it.each(laneChecks)('answers %s in the lane, as the route does', async (_name, path) => {
    const before = served(harness.app);
    const fast = await send(harness.app, path);
    expect(served(harness.app)).toBe(before + 1);
    expect(fast.status).toBe(200);
    expect(fast.headers.etag).toBeUndefined();
    expect(answerOf(fast)).toEqual(answerOf(await send(plain, path)));
  });

  const routerOnly: [string, string, string | null][] = [
    ['a negative requestedUsage', '/v1/customers/lane-1/entitlements/feature-api-calls?requestedUsage=-1', key],
    ['an unknown query key', '/v1/customers/lane-1/entitlements/feature-api-calls?extra=1', key],
    ['a repeated query key', '/v1/customers/lane-1/entitlements/feature-api-calls?requestedUsage=1&requestedUsage=2', key],
    ['a percent-escaped id', '/v1/customers/lane%2D1/entitlements/feature-projects', key],
    ['a trailing slash', '/v1/customers/lane-1/entitlements/feature-projects/', key],
    ['another casing', '/V1/Customers/lane-1/entitlements/feature-projects', key],
    ['an id the schema refuses', `/v1/customers/${'x'.repeat(300)}/entitlements/feature-projects`, key],
    ['no API key', '/v1/customers/lane-1/entitlements/feature-projects', null],
    ['an unknown API key', '/v1/customers/lane-1/entitlements/feature-projects', 'tg_server_not_a_key'],
  ];
  it.each(routerOnly)('leaves %s to the router, which answers as always', async (_name, path, apiKey) => {
    const before = served(harness.app);
    const fast = await send(harness.app, path, apiKey);
    expect(served(harness.app)).toBe(before);
    expect(answerOf(fast)).toEqual(answerOf(await send(plain, path, apiKey)));
  });

  it('leaves HEAD and conditional requests to the router, which answers them as always (If-None-Match: * is a 304)', async () => {
    const before = served(harness.app);
    const path = '/v1/customers/lane-1/entitlements/feature-projects';
    await request(harness.app).head(path).set('X-API-KEY', key).expect(200);
    const conditional = await send(harness.app, path).set('If-None-Match', '*');
    expect(served(harness.app)).toBe(before);
    expect(conditional.status).toBe(304);
    expect(answerOf(conditional)).toEqual(answerOf(await send(plain, path).set('If-None-Match', '*')));
  });

  it('answers a database failure during a check as the route does: 503, and serves again once the database is back', async () => {
    const target = new URL(harness.database.url);
    const proxy = await startFreezableProxy({ host: target.hostname, port: Number(target.port) });
    target.port = String(proxy.port);
    const proxiedDb = createDb(target.toString(), { maxConnections: 2, timeouts: { connectMs: 1_000, statementMs: 2_000 } });
    const laneApp = appOn(proxiedDb, harness.changeFeed);
    const path = '/v1/customers/lane-1/entitlements/feature-api-calls';
    try {
      // The first request caches the key through the router; the second takes the lane.
      await send(laneApp, path).expect(200);
      await send(laneApp, path).expect(200);
      expect(served(laneApp)).toBe(1);
      await proxy.close();
      const failed = await send(laneApp, path);
      expect(failed.status).toBe(503);
      expect(failed.body.error.code).toBe('DATABASE_UNAVAILABLE');
      expect(served(laneApp)).toBe(1);
    } finally {
      await proxy.close();
      await proxiedDb.destroy();
    }
  });

  it('refuses a revoked key once the change feed delivers the revocation, although the lane served it from cache', async () => {
    const { apiKey: doomed, apiKeyId } = await createTestEnvironment(harness.database.db);
    await send(harness.app, '/v1/customers/lane-1', doomed).expect(404);
    const before = served(harness.app);
    await send(harness.app, '/v1/customers/nobody/entitlements/feature-projects', doomed).expect(200);
    expect(served(harness.app)).toBe(before + 1);
    expect(await revokeApiKey(harness.database.db, apiKeyId)).toBe(true);
    // Bounded generously (the promise is a second): a loaded machine must not fail it.
    const deadline = Date.now() + 5_000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) status = (await send(harness.app, '/v1/customers/nobody/entitlements/feature-projects', doomed)).status;
    expect(status).toBe(401);
  });
});
