import pg from 'pg';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/createApp';
import { createDb } from '../../src/db/createDb';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { countersOf, meteredEnvironment, storedEventCount } from '../support/eventsApi';

let harness: ApiHarness;
beforeAll(async () => void (harness = await startApiHarness({ billing: 'none' })));
afterAll(async () => harness?.stop());

const environment = () => meteredEnvironment(harness.app, harness.database.db, [{ featureId: 'uploads', eventName: 'upload', filters: [], aggregation: { function: 'COUNT' } }]);
const event = (index: number, fields: Record<string, unknown> = {}) => ({ customerId: 'customer-1', eventName: 'upload', idempotencyKey: `k-${index}`, ...fields });
const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

describe('POST /v1/events refuses bad input, naming the field, and stores nothing', () => {
  const badItems: [string, Record<string, unknown>, string][] = [
    ['a missing idempotencyKey', { idempotencyKey: undefined }, '[3].idempotencyKey'],
    ['a missing customerId', { customerId: undefined }, '[3].customerId'],
    ['a missing eventName', { eventName: undefined }, '[3].eventName'],
    ['an empty idempotencyKey', { idempotencyKey: '' }, '[3].idempotencyKey'],
    ['a resourceId with a slash', { resourceId: 'a/b' }, '[3].resourceId'],
    ['a nested dimension', { dimensions: { user: { id: 'u1' } } }, '[3].dimensions.user'],
    ['an array dimension', { dimensions: { tags: ['a', 'b'] } }, '[3].dimensions.tags'],
    ['a null dimension', { dimensions: { user: null } }, '[3].dimensions.user'],
    ['51 dimensions', { dimensions: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`d${i}`, i])) }, '[3].dimensions'],
    ['a dimension text of 501 characters', { dimensions: { note: 'x'.repeat(501) } }, '[3].dimensions.note'],
    ['a timestamp 10 minutes ahead', { timestamp: minutesFromNow(10) }, '[3].timestamp'],
    ['a timestamp before 2000', { timestamp: '1999-12-31T23:59:59Z' }, '[3].timestamp'],
    ['a timestamp without a time zone', { timestamp: '2026-11-27T10:00:00' }, '[3].timestamp'],
    ['a numeric timestamp', { timestamp: Date.now() }, '[3].timestamp'],
    ['an unknown field', { value: 3 }, '[3].value'],
  ];

  it.each(badItems)('%s in the 4th item refuses the whole batch', async (_case, fields, field) => {
    const { environmentId, postEvents } = await environment();
    const batch = Array.from({ length: 6 }, (_, i) => event(i, i === 3 ? fields : {}));
    const answer = await postEvents(batch).expect(400);
    expect(answer.body.error).toMatchObject({ code: 'INVALID_INPUT', field });
    expect(await storedEventCount(harness.database.db, environmentId)).toBe(0);
    expect(await countersOf(harness.database.db, environmentId)).toEqual({});
  });

  it('a single event is named without an index', async () => {
    const { postEvents } = await environment();
    expect((await postEvents(event(0, { dimensions: { user: { id: 1 } } })).expect(400)).body.error.field).toBe('dimensions.user');
    expect((await postEvents(event(0, { idempotencyKey: undefined })).expect(400)).body.error.field).toBe('idempotencyKey');
  });

  it('a timestamp up to 5 minutes ahead (clock skew) is taken', async () => {
    const { environmentId, postEvents } = await environment();
    await postEvents(event(0, { timestamp: minutesFromNow(4) })).expect(200);
    expect(await storedEventCount(harness.database.db, environmentId)).toBe(1);
  });

  it('a batch of 1,001 events, or none, is refused; 1,000 are taken', async () => {
    const { environmentId, postEvents } = await environment();
    const tooMany = await postEvents(Array.from({ length: 1_001 }, (_, i) => event(i))).expect(400);
    expect(tooMany.body.error).toMatchObject({ field: 'body', message: 'body: at most 1,000 events per request' });
    expect((await postEvents([]).expect(400)).body.error.message).toBe('body: send at least one event');
    expect(await storedEventCount(harness.database.db, environmentId)).toBe(0);
    expect((await postEvents(Array.from({ length: 1_000 }, (_, i) => event(i))).expect(200)).body).toEqual({ accepted: 1_000, duplicates: 0 });
    expect(await countersOf(harness.database.db, environmentId)).toEqual({ 'customer-1//uploads@never': 1_000 });
  });

  it('the last of 1,000 events bad: nothing of the batch is stored or counted', async () => {
    const { environmentId, postEvents } = await environment();
    const batch = Array.from({ length: 1_000 }, (_, i) => event(i, i === 999 ? { dimensions: { nested: { no: true } } } : {}));
    expect((await postEvents(batch).expect(400)).body.error.field).toBe('[999].dimensions.nested');
    expect(await storedEventCount(harness.database.db, environmentId)).toBe(0);
    expect(await countersOf(harness.database.db, environmentId)).toEqual({});
  });

  it('a body that is not JSON, or an empty object, is refused; without an API key nothing is read', async () => {
    const { apiKey } = await environment();
    await request(harness.app).post('/v1/events').set('X-API-KEY', apiKey).set('Content-Type', 'text/plain').send('customerId=1').expect(415);
    await request(harness.app).post('/v1/events').set('X-API-KEY', apiKey).set('Content-Type', 'application/json').send('[{').expect(400);
    expect((await request(harness.app).post('/v1/events').set('X-API-KEY', apiKey).send({}).expect(400)).body.error.field).toBe('customerId');
    await request(harness.app).post('/v1/events').send([event(0)]).expect(401);
  });
});

describe('POST /v1/events when Postgres cannot serve it', () => {
  it('answers 503 when its statements time out (raw_events locked), and stores nothing', async () => {
    const { environmentId, apiKey } = await environment();
    // Another API process on the same database, with a short statement timeout.
    const impatientDb = createDb(harness.database.url, { maxConnections: 2, timeouts: { connectMs: 2_000, statementMs: 300 } });
    const app = createApp({ db: impatientDb, workflows: { startWindowMs: 15_000 } as never, billingProvider: 'none', logger: pino({ level: 'silent' }), temporalHealthy: async () => true });
    const locker = new pg.Client({ connectionString: harness.database.url });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table raw_events in access exclusive mode');
      const answer = await request(app).post('/v1/events').set('X-API-KEY', apiKey).send([event(0)]).expect(503);
      expect(answer.body.error.code).toBe('DATABASE_UNAVAILABLE');
      await locker.query('rollback');
      expect(await storedEventCount(harness.database.db, environmentId)).toBe(0);
      // Once it can, the retry is stored.
      expect((await request(app).post('/v1/events').set('X-API-KEY', apiKey).send([event(0)]).expect(200)).body).toEqual({ accepted: 1, duplicates: 0 });
    } finally {
      await locker.end();
      await impatientDb.destroy();
    }
  });
});
