import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockCustomerMetering, rebuildMeteredCounter } from '../../src/db/repositories/meteredCounters.repository';
import { meteredUsageInPeriod } from '../../src/db/repositories/rawEvents.repository';
import type { MeterFilter } from '../../src/domain/usage/meterFilters';
import { usagePeriodAt } from '../../src/domain/usage/usagePeriod';
import { applyCatalog } from '../../src/services/applyCatalog';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { usageEventsOf, countersOf, meteredEnvironment } from '../support/eventsApi';
import { giveUsagePeriod } from '../support/meteredCatalog';
import { subscriptionTestCatalog } from '../support/subscriptionFixtures';
import { createTestEnvironment } from '../support/testEnvironment';

let harness: ApiHarness;
beforeAll(async () => void (harness = await startApiHarness({ billing: 'none' })));
afterAll(async () => harness?.stop());

const environment = (meters: Parameters<typeof meteredEnvironment>[2]) => meteredEnvironment(harness.app, harness.database.db, meters);
let sequence = 0;
const event = (fields: Record<string, unknown> = {}) => ({ customerId: 'customer-1', eventName: 'upload', idempotencyKey: `k-${sequence++}`, ...fields });
const never = (featureId: string, customer = 'customer-1') => `${customer}//${featureId}@never`;

describe('meters turn raw events into usage', () => {
  it('COUNT, SUM (exact decimals), MAX, MIN and UNIQUE, across requests', async () => {
    const { environmentId, postEvents } = await environment([
      { featureId: 'uploads', eventName: 'upload', filters: [], aggregation: { function: 'COUNT' } },
      { featureId: 'megabytes', eventName: 'upload', filters: [], aggregation: { function: 'SUM', field: 'mb' } },
      { featureId: 'largest', eventName: 'upload', filters: [], aggregation: { function: 'MAX', field: 'mb' } },
      { featureId: 'smallest', eventName: 'upload', filters: [], aggregation: { function: 'MIN', field: 'mb' } },
      { featureId: 'uploaders', eventName: 'upload', filters: [], aggregation: { function: 'UNIQUE', field: 'user' } },
    ]);
    await postEvents([event({ dimensions: { mb: 0.1, user: 'ann' } }), event({ dimensions: { mb: 0.2, user: 'bob' } }), event({ dimensions: { mb: 'big', user: 'ann' } })]).expect(200);
    expect(await countersOf(harness.database.db, environmentId)).toEqual({
      [never('uploads')]: 3,
      // 0.1 + 0.2 is 0.3 here, not 0.30000000000000004; a field that is not a number does not count.
      [never('megabytes')]: 0.3,
      [never('largest')]: 0.2,
      [never('smallest')]: 0.1,
      [never('uploaders')]: 2,
    });
    // A second request: UNIQUE adds only values not seen before (ann was), MAX and MIN move only past their extremes.
    await postEvents([event({ dimensions: { mb: 5, user: 'ann' } }), event({ dimensions: { mb: 0.05, user: 'cid' } }), event({ dimensions: { user: 1 } })]).expect(200);
    expect(await countersOf(harness.database.db, environmentId)).toEqual({
      [never('uploads')]: 6,
      [never('megabytes')]: 5.35,
      [never('largest')]: 5,
      [never('smallest')]: 0.05,
      [never('uploaders')]: 4,
    });
    // A MAX that stays where it is tells the stream nothing.
    const before = (await usageEventsOf(harness.database.db, environmentId)).length;
    await postEvents(event({ dimensions: { mb: 1 } })).expect(200);
    const told = (await usageEventsOf(harness.database.db, environmentId)).slice(before);
    expect(told.map((e) => (e.payload as { featureId: string }).featureId).sort()).toEqual(['megabytes', 'uploads']);
  });

  it('each filter operator, on typed dimension values', async () => {
    const filters: Record<string, MeterFilter> = {
      equals: { dimension: 'plan', operator: 'EQUALS', values: ['pro'] },
      notEquals: { dimension: 'plan', operator: 'NOT_EQUALS', values: ['pro'] },
      in: { dimension: 'plan', operator: 'IN', values: ['pro', 'team'] },
      notIn: { dimension: 'plan', operator: 'NOT_IN', values: ['pro', 'team'] },
      exists: { dimension: 'region', operator: 'EXISTS', values: [] },
      notExists: { dimension: 'region', operator: 'NOT_EXISTS', values: [] },
      gt: { dimension: 'size', operator: 'GT', values: [10] },
      gte: { dimension: 'size', operator: 'GTE', values: [10] },
      lt: { dimension: 'size', operator: 'LT', values: [10] },
      lte: { dimension: 'size', operator: 'LTE', values: [10] },
    };
    const { environmentId, postEvents } = await environment(
      Object.entries(filters).map(([name, filter]) => ({ featureId: name, eventName: 'upload', filters: [filter], aggregation: { function: 'COUNT' as const } })),
    );
    await postEvents([
      event({ dimensions: { plan: 'pro', region: 'eu', size: 10 } }),
      event({ dimensions: { plan: 'team', size: 10.5 } }),
      event({ dimensions: { plan: 'free', region: 'us', size: '11' } }),
      event({ dimensions: { size: 9 } }),
      event({ dimensions: { plan: true } }),
    ]).expect(200);
    expect(await countersOf(harness.database.db, environmentId)).toEqual({
      [never('equals')]: 1,
      // An event without the dimension is "not equal" and "not in".
      [never('notEquals')]: 4,
      [never('in')]: 2,
      [never('notIn')]: 3,
      [never('exists')]: 2,
      [never('notExists')]: 3,
      // "11" is text: order comparisons hold between numbers only.
      [never('gt')]: 1,
      [never('gte')]: 2,
      [never('lt')]: 1,
      [never('lte')]: 2,
    });
  });
});

describe('usage periods of raw events', () => {
  const anchor = new Date('2026-01-15T12:00:00.000Z');
  const now = new Date();
  const current = usagePeriodAt(anchor, 'MONTH', now);
  const previous = usagePeriodAt(anchor, 'MONTH', new Date(current.start.getTime() - 1));

  it('an event dated in a past period counts there and not in the current one', async () => {
    const { environmentId, postEvents } = await environment([{ featureId: 'uploads', eventName: 'upload', filters: [], aggregation: { function: 'COUNT' } }]);
    await giveUsagePeriod(harness.database.db, environmentId, 'customer-1', 'uploads', 'MONTH', anchor);
    await postEvents([
      event(),
      event({ timestamp: current.start.toISOString() }),
      event({ timestamp: new Date(current.start.getTime() - 1).toISOString() }),
    ]).expect(200);
    expect(await countersOf(harness.database.db, environmentId)).toEqual({
      [`customer-1//uploads@${current.start.toISOString()}`]: 2,
      [`customer-1//uploads@${previous.start.toISOString()}`]: 1,
    });
    const told = await usageEventsOf(harness.database.db, environmentId);
    expect(told.map((e) => e.payload)).toEqual([
      { featureId: 'uploads', currentUsage: 1, usagePeriodStart: previous.start.toISOString(), usagePeriodEnd: previous.end.toISOString() },
      { featureId: 'uploads', currentUsage: 2, usagePeriodStart: current.start.toISOString(), usagePeriodEnd: current.end.toISOString() },
    ]);
  });

  it('events of a customer that does not exist are stored and counted; a new usage period is rebuilt from them', async () => {
    const { environmentId, meters, postEvents } = await environment([{ featureId: 'uploaders', eventName: 'upload', filters: [], aggregation: { function: 'UNIQUE', field: 'user' } }]);
    const ghost = { customerId: 'not-a-customer-yet' };
    expect(await harness.database.db.selectFrom('customers').select('id').where('id', '=', ghost.customerId).executeTakeFirst()).toBeUndefined();
    expect((await postEvents([
      event({ ...ghost, dimensions: { user: 'ann' } }),
      event({ ...ghost, dimensions: { user: 'bob' } }),
      event({ ...ghost, dimensions: { user: 'old' }, timestamp: previous.start.toISOString() }),
    ]).expect(200)).body).toEqual({ accepted: 3, duplicates: 0 });
    // Without an entitlement yet, its counter never resets.
    expect(await countersOf(harness.database.db, environmentId)).toEqual({ [never('uploaders', ghost.customerId)]: 3 });

    // The customer subscribes: its entitlement brings a monthly period, and the current one is rebuilt from the events.
    const key = { environmentId, customerId: ghost.customerId, resourceKey: '', featureId: 'uploaders' };
    const rebuilt = await harness.database.db.transaction().execute(async (trx) => {
      await lockCustomerMetering(trx, environmentId, ghost.customerId);
      await giveUsagePeriod(trx, environmentId, ghost.customerId, 'uploaders', 'MONTH', anchor);
      return rebuildMeteredCounter(trx, key, meters, current);
    });
    expect(rebuilt).toBe(2);
    expect(await meteredUsageInPeriod(harness.database.db, key, meters, previous)).toBe(1);
    // Live events count on from there: a value the period has seen (ann) adds nothing, a new one (cid) adds one.
    await postEvents([event({ ...ghost, dimensions: { user: 'ann' } }), event({ ...ghost, dimensions: { user: 'cid' } })]).expect(200);
    expect((await countersOf(harness.database.db, environmentId))[`${ghost.customerId}//uploaders@${current.start.toISOString()}`]).toBe(3);
  });
});

describe('raw events and entitlements', () => {
  it('events of a customer that does not exist yet count in its first period once it subscribes, and at once after', async () => {
    const { environmentId, apiKey } = await createTestEnvironment(harness.database.db);
    const applied = await applyCatalog(harness.database.db, environmentId, subscriptionTestCatalog());
    if (!applied.ok) throw new Error(JSON.stringify(applied.issues));
    const api = (method: 'get' | 'post', path: string) => request(harness.app)[method](path).set('X-API-KEY', apiKey);
    const check = async (customerId: string) => (await api('get', `/v1/customers/${customerId}/entitlements/feature-api-calls`).expect(200)).body;
    const call = (customerId: string, status: string) => ({ customerId, eventName: 'api_call', idempotencyKey: `call-${sequence++}`, dimensions: { status } });

    // The example catalog's meter counts api_call events whose status is not "error".
    await api('post', '/v1/events').send([call('early-bird', 'ok'), call('early-bird', 'ok'), call('early-bird', 'error'), call('early-bird', 'ok')]).expect(200);
    await api('post', '/v1/customers').send({ customerId: 'early-bird' }).expect(201);
    expect(await check('early-bird')).toMatchObject({ hasAccess: true, currentUsage: 3, usageLimit: 1000, resetPeriod: 'MONTH' });

    // Enforceable right after the acknowledgement.
    await api('post', '/v1/events').send([call('early-bird', 'ok'), call('early-bird', 'ok')]).expect(200);
    expect(await check('early-bird')).toMatchObject({ currentUsage: 5 });
    // Calculated usage on the same feature adds up with the events, and both carry over a plan change.
    await api('post', '/v1/usage').send({ customerId: 'early-bird', featureId: 'feature-api-calls', value: 10 }).expect(200);
    await api('post', '/v1/subscriptions').send({ customerId: 'early-bird', planId: 'plan-basic', billingPeriod: 'MONTHLY' }).expect(201);
    expect(await check('early-bird')).toMatchObject({ currentUsage: 15, usageLimit: 50000 });
  });
});
