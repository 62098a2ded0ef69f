import Tollgate, { type CacheEventPayload } from '@tollgate/node-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFlakyProxy, type FlakyProxy } from '../support/flakyProxy';
import { countEvents, eventually, nextEvent, startSdkService, type SdkService } from '../support/sdkService';

// The SDK against a real service that changes, stops, restarts and fails: the cache stays fresh through the stream,
// checks never throw, buffered reports arrive once, writes are retried without being applied twice.
let service: SdkService;
let counter = 0;

beforeAll(async () => {
  service = await startSdkService();
});
afterAll(async () => service?.stop());

const BASIC = { planId: 'plan-basic', billingPeriod: 'MONTHLY', resourceId: 'site', billableFeatures: [{ featureId: 'feature-01-templates', quantity: 1 }] };
async function customerOn(planId: 'plan-free' | 'plan-basic') {
  const customerId = `sdk-${++counter}`;
  const subscriptionParams = planId === 'plan-basic' ? BASIC : { planId, resourceId: 'site' };
  const answer = await service.api('POST', '/v1/customers', { customerId, subscriptionParams });
  expect(answer.status).toBe(201);
  return customerId;
}
const serviceCheck = async (customerId: string, featureId: string) => (await service.api('GET', `/v1/customers/${customerId}/entitlements/${featureId}?resourceId=site`)).body;
const measurementsOf = async (customerId: string) =>
  Number((await service.harness.database.db.selectFrom('usage_measurements').select((eb) => eb.fn.countAll().as('n')).where('environment_id', '=', service.environmentId).where('customer_id', '=', customerId).executeTakeFirstOrThrow()).n);

describe('cache freshness', () => {
  it('a subscription change and usage made elsewhere reach cached checks through the stream', async () => {
    const client = Tollgate.initialize({ apiKey: service.apiKey, baseUri: service.baseUri });
    await client.waitForInitialization();
    const customerId = await customerOn('plan-free');
    const flag = () => client.getBooleanEntitlement({ customerId, featureId: 'feature-demo-01', resourceId: 'site' });
    const number = () => client.getNumericEntitlement({ customerId, featureId: 'feature-demo-02', resourceId: 'site' });
    const seats = () => client.getMeteredEntitlement({ customerId, featureId: 'feature-seats', resourceId: 'site' });
    expect(await flag()).toMatchObject({ hasAccess: false, accessDeniedReason: 'NoFeatureEntitlementInSubscription' });
    expect(await number()).toMatchObject({ hasAccess: true, value: 1 });
    expect(await seats()).toMatchObject({ hasAccess: true, usageLimit: 2, currentUsage: 0 });

    const updated = nextEvent(client, 'entitlementsUpdated', (payload) => payload.customerId === customerId);
    expect((await service.api('POST', '/v1/subscriptions', { customerId, ...BASIC })).status).toBe(201);
    await updated;
    await eventually(async () => (await flag()).hasAccess);
    expect(await number()).toMatchObject({ hasAccess: true, value: 5, isFallback: false });

    const usage = nextEvent(client, 'usageUpdated', (payload) => payload.customerId === customerId);
    expect((await service.api('POST', '/v1/usage', { customerId, featureId: 'feature-seats', resourceId: 'site', value: 19 })).status).toBe(200);
    expect((await usage)[0]).toMatchObject({ customerId, featureId: 'feature-seats', currentUsage: 19 });
    const hits = countEvents(client, 'cacheHit');
    expect(await seats()).toMatchObject({ hasAccess: true, currentUsage: 19, usageLimit: 20 });
    expect(await client.getMeteredEntitlement({ customerId, featureId: 'feature-seats', resourceId: 'site', options: { requestedUsage: 2 } })).toMatchObject({ hasAccess: false });
    expect(hits).toHaveLength(2);
    await client.close();
  });
});

describe('cached checks', () => {
  it('tell cacheHit and cacheMiss only while someone listens, with the check\'s ids, and hand out an answer of their own each time', async () => {
    const client = Tollgate.initialize({ apiKey: service.apiKey, baseUri: service.baseUri });
    await client.waitForInitialization();
    const customerId = await customerOn('plan-basic');
    const flag = (resourceId?: string) => client.getBooleanEntitlement({ customerId, featureId: 'feature-demo-01', ...(resourceId !== undefined && { resourceId }) });
    const checked = flag('site');
    expect(checked).toBeInstanceOf(Promise);
    expect(await checked).toMatchObject({ hasAccess: true, isFallback: false });

    const events: unknown[][] = [];
    const hit = (payload: CacheEventPayload) => events.push(['hit', payload]);
    const miss = (payload: CacheEventPayload) => events.push(['miss', payload]);
    client.addListener('cacheHit', hit).addListener('cacheMiss', miss);
    const first = await flag('site');
    // The same customer without a resource is an entry of its own, fetched once.
    await flag();
    await flag();
    client.removeListener('cacheHit', hit).removeListener('cacheMiss', miss);
    const second = await flag('site');
    await flag();
    expect(events).toEqual([
      ['hit', { customerId, featureId: 'feature-demo-01', resourceId: 'site' }],
      ['miss', { customerId, featureId: 'feature-demo-01' }],
      ['hit', { customerId, featureId: 'feature-demo-01' }],
    ]);
    // A caller changing its answer changes no other answer.
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    await client.close();
  });
});

describe('an outage', () => {
  it('answers checks from the cache or the fallback, buffers reports and delivers each once after the restart', async () => {
    const client = Tollgate.initialize({ apiKey: service.apiKey, baseUri: service.baseUri, entitlementsFallback: { 'feature-demo-01': { hasAccess: true } } });
    await client.waitForInitialization();
    const customerId = await customerOn('plan-basic');
    const meter = (requestedUsage = 1) => client.getMeteredEntitlement({ customerId, featureId: 'feature-demo-03', resourceId: 'site', options: { requestedUsage } });
    expect(await meter()).toMatchObject({ hasAccess: true, currentUsage: 0, isFallback: false });
    const failures = countEvents(client, 'networkRequestFailed');

    await service.stopHttp();
    try {
      await whileStopped();
    } finally {
      await service.startHttp();
    }
    await eventually(() => client.bufferedReports === 0);
    expect(await serviceCheck(customerId, 'feature-demo-03')).toMatchObject({ currentUsage: 19 });
    expect(await serviceCheck(customerId, 'feature-logins')).toMatchObject({ currentUsage: 3 });
    expect(await measurementsOf(customerId)).toBe(6);
    expect(await meter(81)).toMatchObject({ hasAccess: true, currentUsage: 19, isFallback: false });

    // The stream is back: a change made elsewhere reaches the cache again.
    await service.api('POST', '/v1/usage', { customerId, featureId: 'feature-demo-03', resourceId: 'site', value: 1 });
    await eventually(async () => (await meter()).currentUsage === 20);
    await client.close();

    async function whileStopped() {
      expect(await meter()).toMatchObject({ hasAccess: true, currentUsage: 0, isFallback: false });
      expect(await client.getBooleanEntitlement({ customerId: 'never-cached', featureId: 'feature-demo-01', resourceId: 'site' })).toEqual({ type: 'BOOLEAN', hasAccess: true, isFallback: true });
      expect(await client.getNumericEntitlement({ customerId: 'never-cached', featureId: 'feature-demo-02', options: { fallback: { hasAccess: true, value: 9 } } })).toMatchObject({ hasAccess: true, value: 9, isFallback: true });
      expect(await client.getEntitlements('never-cached')).toEqual([]);
      expect(failures.length).toBeGreaterThan(0);

      const reports = [];
      for (let i = 0; i < 5; i++) reports.push(await client.reportUsage({ customerId, featureId: 'feature-demo-03', value: 3, resourceId: 'site' }));
      reports.push(await client.reportUsage({ customerId, featureId: 'feature-demo-03', value: 4, resourceId: 'site', idempotencyKey: 'twice' }));
      reports.push(await client.reportUsage({ customerId, featureId: 'feature-demo-03', value: 4, resourceId: 'site', idempotencyKey: 'twice' }));
      expect(reports.every((report) => report.isBuffered && report.currentUsage === undefined)).toBe(true);
      const login = (idempotencyKey: string) => ({ customerId, resourceId: 'site', eventName: 'user_login', idempotencyKey });
      await client.reportEvent([login('a'), login('b')]);
      await client.reportEvent([login('b'), login('c')]);
      expect(client.bufferedReports).toBe(6 + 3);
      // Local checks count what waits to be delivered.
      expect(await meter(82)).toMatchObject({ hasAccess: false, currentUsage: 19 });
    }
  });
});

describe('retries', () => {
  let proxy: FlakyProxy;
  let client: Tollgate;
  beforeAll(async () => {
    proxy = await startFlakyProxy(service.baseUri);
    client = Tollgate.initialize({ apiKey: service.apiKey, baseUri: proxy.url, realtimeUpdatesEnabled: false });
    await client.waitForInitialization();
  });
  afterAll(async () => {
    await client?.close();
    await proxy?.close();
  });

  it('retries a write that failed with 5xx, with the same idempotency key, and tells networkRequestFailed', async () => {
    const failures = countEvents(client, 'networkRequestFailed');
    proxy.failNext('POST', '/v1/customers', ['refuse', 'refuse']);
    const { customer } = await client.provisionCustomer({ customerId: 'retried-customer', subscriptionParams: null });
    expect(customer.customerId).toBe('retried-customer');
    const attempts = proxy.seen('POST', '/v1/customers');
    expect(attempts).toHaveLength(3);
    expect(attempts[0]!.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(attempts.map((a) => a.headers['idempotency-key'])).size).toBe(1);
    expect(failures.map(([payload]) => payload)).toMatchObject([{ status: 503, willRetry: true, attempt: 1 }, { status: 503, willRetry: true, attempt: 2 }]);
  });

  it('applies a write once when its answer was lost and it was sent again', async () => {
    const customerId = await customerOn('plan-free');
    proxy.failNext('POST', '/v1/subscriptions', ['lose-answer']);
    const provisioned = await client.provisionSubscription({ customerId, ...BASIC, billingPeriod: 'MONTHLY' });
    expect(provisioned.provisionStatus).toBe('SUCCESS');
    expect(proxy.seen('POST', '/v1/subscriptions')).toHaveLength(2);
    const live = await client.getActiveSubscriptionsList({ customerId, resourceId: 'site' });
    expect(live.map((s) => s.planId)).toEqual(['plan-basic']);

    proxy.failNext('POST', '/v1/usage', ['lose-answer', 'refuse']);
    const ack = await client.reportUsage({ customerId, featureId: 'feature-demo-03', resourceId: 'site', value: 7 });
    expect(ack).toMatchObject({ currentUsage: 7 });
    expect(proxy.seen('POST', '/v1/usage')).toHaveLength(3);
    expect(await measurementsOf(customerId)).toBe(1);
  });

  it('retries reads, and does not retry what the service refused', async () => {
    const customerId = await customerOn('plan-basic');
    proxy.failNext('GET', `/v1/customers/${customerId}/entitlements`, ['refuse', 'refuse']);
    expect(await client.getBooleanEntitlement({ customerId, featureId: 'feature-demo-01', resourceId: 'site' })).toMatchObject({ hasAccess: true, isFallback: false });
    const before = proxy.seen('POST', '/v1/usage').length;
    await expect(client.reportUsage({ customerId, featureId: 'feature-demo-01', resourceId: 'site', value: 1 })).rejects.toMatchObject({ status: 400 });
    expect(proxy.seen('POST', '/v1/usage').length - before).toBe(1);
  });
});

describe('a bounded cache', () => {
  it('keeps the most recently used customers within memoryCacheMaxSizeBytes', async () => {
    const client = Tollgate.initialize({ apiKey: service.apiKey, baseUri: service.baseUri, memoryCacheMaxSizeBytes: 6_000 });
    await client.waitForInitialization();
    const customers = await Promise.all(Array.from({ length: 12 }, () => customerOn('plan-free')));
    const check = (customerId: string) => client.getNumericEntitlement({ customerId, featureId: 'feature-demo-02', resourceId: 'site' });
    for (const customerId of customers) expect(await check(customerId)).toMatchObject({ hasAccess: true, value: 1 });
    const [hits, misses] = [countEvents(client, 'cacheHit'), countEvents(client, 'cacheMiss')];
    for (const customerId of customers.slice(-3)) await check(customerId);
    expect([hits.length, misses.length]).toEqual([3, 0]);
    for (const customerId of customers.slice(0, 5)) expect(await check(customerId)).toMatchObject({ value: 1 });
    expect(misses.length).toBe(5);
    await client.close();
  });
});
