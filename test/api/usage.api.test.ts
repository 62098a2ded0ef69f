import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyCatalog } from '../../src/services/applyCatalog';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { expectAnswersDocumented, recordAnswers } from '../support/documentedAnswers';
import { subscriptionTestCatalog } from '../support/subscriptionFixtures';
import { createTestEnvironment } from '../support/testEnvironment';

// Calculated usage: durable acknowledgements, idempotency, check-and-consume, periods and exact concurrent sums.
let harness: ApiHarness;
let key: string;
let environmentId: string;

beforeAll(async () => {
  harness = await startApiHarness({ billing: 'none' });
  ({ apiKey: key, environmentId } = await createTestEnvironment(harness.database.db));
  const result = await applyCatalog(harness.database.db, environmentId, subscriptionTestCatalog());
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
});
afterAll(async () => harness?.stop());

const answers = recordAnswers(() => harness.app);
const api = answers.api;
afterEach(async () => expectAnswersDocumented(harness.app, answers.takeAnswers()));

let counter = 0;
async function freeCustomer() {
  const customerId = `usage-${++counter}`;
  await api().post('/v1/customers').set('X-API-KEY', key).send({ customerId }).expect(201);
  return customerId;
}
const report = (body: unknown) => api().post('/v1/usage').set('X-API-KEY', key).send(body as object);
const check = (customerId: string, featureId: string, query: Record<string, string | number> = {}) =>
  api().get(`/v1/customers/${customerId}/entitlements/${featureId}`).query(query).set('X-API-KEY', key).expect(200).then((r) => r.body);
const countMeasurements = async () => Number((await harness.database.db.selectFrom('usage_measurements').select((eb) => eb.fn.countAll().as('n')).where('environment_id', '=', environmentId).executeTakeFirstOrThrow()).n);

describe('reportUsage', () => {
  it('acknowledges a DELTA with the new usage and its period, and a check right after sees it', async () => {
    const customerId = await freeCustomer();
    const ack = (await report({ customerId, featureId: 'feature-api-calls', value: 10 }).expect(200)).body;
    const entitlement = await check(customerId, 'feature-api-calls');
    expect(ack).toMatchObject({ customerId, featureId: 'feature-api-calls', currentUsage: 10, updateBehavior: 'DELTA', usagePeriodStart: entitlement.usagePeriodStart, usagePeriodEnd: entitlement.usagePeriodEnd });
    expect(ack.measurementId).toMatch(/^[0-9a-f-]{36}$/);
    expect(entitlement.currentUsage).toBe(10);
    expect((await report({ customerId, featureId: 'feature-api-calls', value: 5 }).expect(200)).body.currentUsage).toBe(15);
  });

  it('SETs a fluctuating meter (seats), which never resets, and takes negative DELTAs there', async () => {
    const customerId = await freeCustomer();
    const set = (await report({ customerId, featureId: 'feature-seats', value: 2, updateBehavior: 'SET' }).expect(200)).body;
    expect(set.currentUsage).toBe(2);
    expect(set).not.toHaveProperty('usagePeriodStart');
    expect((await report({ customerId, featureId: 'feature-seats', value: -1 }).expect(200)).body.currentUsage).toBe(1);
    expect(await check(customerId, 'feature-seats')).toMatchObject({ hasAccess: true, currentUsage: 1, usageLimit: 2 });
    expect(await check(customerId, 'feature-seats', { requestedUsage: 2 })).toMatchObject({ hasAccess: false, accessDeniedReason: 'RequestedUsageExceedingLimit' });
  });

  it('counts a report once per idempotency key, and answers a retry with the first acknowledgement', async () => {
    const customerId = await freeCustomer();
    const body = { customerId, featureId: 'feature-api-calls', value: 7, idempotencyKey: 'once' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => report(body).expect(200)));
    expect(new Set(answers.map((a) => a.body.measurementId)).size).toBe(1);
    expect((await check(customerId, 'feature-api-calls')).currentUsage).toBe(7);
  });

  it('sums concurrent reports on one counter exactly', async () => {
    const customerId = await freeCustomer();
    await Promise.all(Array.from({ length: 40 }, (_, i) => report({ customerId, featureId: 'feature-api-calls', value: i + 1 }).expect(200)));
    expect((await check(customerId, 'feature-api-calls')).currentUsage).toBe((40 * 41) / 2);
  });

  it('counts a report dated in a past period there, not in the current one', async () => {
    const customerId = await freeCustomer();
    const current = await check(customerId, 'feature-api-calls');
    const lastPeriod = new Date(new Date(current.usagePeriodStart).getTime() - 1).toISOString();
    const past = (await report({ customerId, featureId: 'feature-api-calls', value: 3, createdAt: lastPeriod }).expect(200)).body;
    expect(past.usagePeriodEnd).toBe(current.usagePeriodStart);
    expect((await check(customerId, 'feature-api-calls')).currentUsage).toBe(0);
    await report({ customerId, featureId: 'feature-api-calls', value: 4 }).expect(200);
    const history = (await api().get(`/v1/customers/${customerId}/usage/feature-api-calls`).set('X-API-KEY', key).expect(200)).body;
    expect(history.periods.map((p: { usage: number; usagePeriodStart: string }) => [p.usagePeriodStart, p.usage])).toEqual([
      [current.usagePeriodStart, 4],
      [past.usagePeriodStart, 3],
    ]);
  });

  it('records a batch together and answers each acknowledgement in order', async () => {
    const customerId = await freeCustomer();
    const answer = await report({ usages: [{ customerId, featureId: 'feature-api-calls', value: 1 }, { customerId, featureId: 'feature-api-calls', value: 2 }, { customerId, featureId: 'feature-seats', value: 1 }] }).expect(200);
    expect(answer.body.usages.map((a: { currentUsage: number }) => a.currentUsage)).toEqual([1, 3, 1]);
  });
});

describe('usage periods across subscription changes', () => {
  it('counts usage reported before the first subscription in its first period, and carries it over a plan change', async () => {
    const customerId = `usage-${++counter}`;
    await api().post('/v1/customers').set('X-API-KEY', key).send({ customerId, subscriptionParams: null }).expect(201);
    await report({ customerId, featureId: 'feature-api-calls', value: 7 }).expect(200);
    await report({ customerId, featureId: 'feature-seats', value: 2, updateBehavior: 'SET' }).expect(200);
    await api().post('/v1/subscriptions').set('X-API-KEY', key).send({ customerId, planId: 'plan-free' }).expect(201);
    expect(await check(customerId, 'feature-api-calls', { requestedUsage: 0 })).toMatchObject({ hasAccess: true, currentUsage: 7, usageLimit: 1000 });
    expect(await check(customerId, 'feature-seats', { requestedUsage: 0 })).toMatchObject({ currentUsage: 2, usageLimit: 2 });
    await report({ customerId, featureId: 'feature-api-calls', value: 1 }).expect(200);
    const upgraded = (await api().post('/v1/subscriptions').set('X-API-KEY', key).send({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY' }).expect(201)).body.subscription;
    const after = await check(customerId, 'feature-api-calls', { requestedUsage: 0 });
    expect(after).toMatchObject({ currentUsage: 8, usageLimit: 50000, usagePeriodAnchor: upgraded.startDate });
  });

  it('counts against the grant in effect when the cached scope has not yet heard of a change', async () => {
    const customerId = await freeCustomer();
    expect(await check(customerId, 'feature-api-calls')).toMatchObject({ usageLimit: 1000, resetPeriod: 'MONTH' });
    // Written behind the API's back, so no event evicts the cached scope: as on a process the change feed has not reached yet.
    await harness.database.db
      .updateTable('effective_entitlements')
      .set({ amount: 5, reset_period: 'DAY' })
      .where('environment_id', '=', environmentId)
      .where('customer_id', '=', customerId)
      .where('feature_id', '=', 'feature-api-calls')
      .execute();
    const refused = await report({ customerId, featureId: 'feature-api-calls', value: 6, enforceLimit: true }).expect(409);
    expect(refused.body.error.message).toContain('exceeds the limit of 5');
    const ack = (await report({ customerId, featureId: 'feature-api-calls', value: 2 }).expect(200)).body;
    expect(Date.parse(ack.usagePeriodEnd) - Date.parse(ack.usagePeriodStart)).toBe(24 * 60 * 60 * 1000);
  });
});

describe('check-and-consume (enforceLimit)', () => {
  it('records usage that fits and refuses with 409 and the figures what does not, recording nothing', async () => {
    const customerId = await freeCustomer();
    await report({ customerId, featureId: 'feature-api-calls', value: 995, enforceLimit: true }).expect(200);
    const before = await countMeasurements();
    const refused = await report({ customerId, featureId: 'feature-api-calls', value: 6, enforceLimit: true }).expect(409);
    expect(refused.body.error).toMatchObject({ code: 'USAGE_LIMIT_EXCEEDED', field: 'value' });
    expect(refused.body.error.message).toContain('995 used + 6 requested exceeds the limit of 1000');
    expect(await countMeasurements()).toBe(before);
    expect((await report({ customerId, featureId: 'feature-api-calls', value: 5, enforceLimit: true }).expect(200)).body.currentUsage).toBe(1000);
  });

  it('lets N concurrent consumers of the last units never overshoot the limit', async () => {
    const customerId = await freeCustomer();
    await report({ customerId, featureId: 'feature-api-calls', value: 990 }).expect(200);
    const results = await Promise.all(Array.from({ length: 30 }, () => report({ customerId, featureId: 'feature-api-calls', value: 1, enforceLimit: true })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(10);
    expect(results.filter((r) => r.status === 409)).toHaveLength(20);
    expect((await check(customerId, 'feature-api-calls', { requestedUsage: 0 })).currentUsage).toBe(1000);
  });

  it('refuses a whole batch when one report does not fit', async () => {
    const customerId = await freeCustomer();
    const answer = await report({ usages: [{ customerId, featureId: 'feature-api-calls', value: 1 }, { customerId, featureId: 'feature-seats', value: 3, enforceLimit: true }] }).expect(409);
    expect(answer.body.error.field).toBe('usages[1].value');
    expect((await check(customerId, 'feature-api-calls')).currentUsage).toBe(0);
  });

  it('refuses usage of a feature the customer is not entitled to', async () => {
    const customerId = `usage-${++counter}`;
    await api().post('/v1/customers').set('X-API-KEY', key).send({ customerId, subscriptionParams: null }).expect(201);
    await report({ customerId, featureId: 'feature-api-calls', value: 1, enforceLimit: true }).expect(409);
  });
});

describe('bad usage input', () => {
  it('names the field and writes nothing', async () => {
    const customerId = await freeCustomer();
    const before = await countMeasurements();
    const cases: [unknown, number, string][] = [
      [{ customerId, featureId: 'feature-api-calls', value: -1, updateBehavior: 'SET' }, 400, 'value'],
      [{ customerId, featureId: 'feature-api-calls', value: -1 }, 400, 'value'],
      [{ customerId, featureId: 'feature-api-calls', value: '3' }, 400, 'value'],
      [{ customerId, featureId: 'feature-api-calls' }, 400, 'value'],
      [{ customerId, featureId: 'feature-api-calls', value: 1, updateBehavior: 'ADD' }, 400, 'updateBehavior'],
      [{ customerId, featureId: 'feature-api-calls', value: 1, createdAt: new Date(Date.now() + 3_600_000).toISOString() }, 400, 'createdAt'],
      [{ customerId, featureId: 'feature-api-calls', value: 1, dimensions: { nested: { a: 1 } } }, 400, 'dimensions.nested'],
      [{ customerId, featureId: 'feature-sso', value: 1 }, 400, 'featureId'],
      [{ customerId, featureId: 'feature-nope', value: 1 }, 404, 'featureId'],
      [{ customerId: 'nobody', featureId: 'feature-api-calls', value: 1 }, 404, 'customerId'],
      [{ usages: [] }, 400, 'usages'],
      [{ usages: Array.from({ length: 101 }, () => ({ customerId, featureId: 'feature-api-calls', value: 1 })) }, 400, 'usages'],
      [{ usages: [{ customerId, featureId: 'feature-api-calls', value: 1 }, { customerId, featureId: 'feature-api-calls', value: 1, extra: true }] }, 400, 'usages[1].extra'],
      [{ usages: [{ customerId, featureId: 'feature-api-calls', value: 1 }, { customerId: 'nobody', featureId: 'feature-api-calls', value: 1 }] }, 404, 'usages[1].customerId'],
    ];
    for (const [body, status, field] of cases) {
      const answer = await report(body).expect(status);
      expect(answer.body.error.field, JSON.stringify(body).slice(0, 120)).toBe(field);
    }
    const infinite = await api().post('/v1/usage').set('X-API-KEY', key).set('content-type', 'application/json').send(`{"customerId":"${customerId}","featureId":"feature-api-calls","value":1e999}`).expect(400);
    expect(infinite.body.error.field).toBe('value');
    expect(await countMeasurements()).toBe(before);
  });
});
