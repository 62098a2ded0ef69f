import type { Server } from 'node:http';
import { sql } from 'kysely';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/createApp';
import { commitChange } from '../../src/db/commitChange';
import { pruneChangeOutbox } from '../../src/db/repositories/changeOutbox.repository';
import { createDb, type Db } from '../../src/db/createDb';
import type { ChangeEvent } from '../../src/domain/changeEvent';
import { startChangeFeed, type ChangeFeed } from '../../src/infra/changeFeed';
import { closeServer, listen } from '../../src/infra/httpServer';
import { createApiKey, revokeApiKey } from '../../src/services/environments';
import { createWorkflowClients } from '../../src/temporal/workflowClients';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { exampleCatalogInput } from '../support/exampleCatalog';
import { startFreezableProxy, type FreezableProxy } from '../support/freezableProxy';
import { waitForOutboxHorizon } from '../support/outboxHorizon';
import { openSseStream, type SseEvent, type SseStream } from '../support/sseClient';
import { createTestEnvironment } from '../support/testEnvironment';

let harness: ApiHarness;
let server: Server;
// A second API process on the same database: its own pool, and its own change feed, through a proxy a test can freeze.
let other: { db: Db; feed: ChangeFeed; proxy: FreezableProxy; server: Server; url: string };
let url: string;
const opened: SseStream[] = [];

beforeAll(async () => {
  harness = await startApiHarness({ billing: 'none', eventStream: { heartbeatMs: 100, maxReplayEvents: 5 } });
  server = await listen(harness.app, 0, '127.0.0.1');
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const database = new URL(harness.database.url);
  const proxy = await startFreezableProxy({ host: database.hostname, port: Number(database.port) });
  const proxied = new URL(harness.database.url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  const feed = startChangeFeed({ connectionString: proxied.toString(), logger: pino({ level: 'silent' }), statementTimeoutMs: 2_000 });
  await feed.ready;
  const db = createDb(harness.database.url, { maxConnections: 3 });
  const app = createApp({
    db,
    workflows: createWorkflowClients(harness.client, { taskQueue: harness.taskQueue, searchAttributes: false }),
    billingProvider: 'none',
    logger: pino({ level: 'silent' }),
    temporalHealthy: async () => true,
    changeFeed: feed,
  });
  const otherServer = await listen(app, 0, '127.0.0.1');
  other = { db, feed, proxy, server: otherServer, url: `http://127.0.0.1:${(otherServer.address() as { port: number }).port}` };
});
afterAll(async () => {
  opened.forEach((stream) => stream.close());
  if (other) {
    other.proxy.thaw();
    await other.feed.close();
    await closeServer(other.server);
    await other.proxy.close();
    await other.db.destroy();
  }
  if (server) await closeServer(server);
  await harness?.stop();
});

async function stream(apiKey: string, options: { base?: string; query?: string; lastEventId?: string } = {}): Promise<SseStream> {
  const opening = await openSseStream(`${options.base ?? url}/v1/stream${options.query ? `?${options.query}` : ''}`, {
    'X-API-KEY': apiKey,
    ...(options.lastEventId !== undefined && { 'Last-Event-ID': options.lastEventId }),
  });
  opened.push(opening);
  return opening;
}

// Commits events as any change does (commitChange), with no write of their own.
const commitEvents = (environmentId: string, ...events: ChangeEvent[]) =>
  commitChange(harness.database.db, { environmentId, write: async () => undefined, recompute: () => [], events: () => events });

const grant = (featureId: string, amount: number) => ({ featureId, amount, unlimited: false, hasSoftLimit: false, resetPeriod: null, grantedBy: ['sub-1'], usagePeriodAnchor: null });
const entitlementsOf = (customerId: string, amount = 5): ChangeEvent => ({
  type: 'entitlements.updated',
  customerId,
  resourceId: null,
  payload: { entitlements: [grant('feature-seats', amount)] },
});
const usageOf = (customerId: string, currentUsage: number): ChangeEvent => ({
  type: 'usage.updated',
  customerId,
  resourceId: 'site-1',
  payload: { featureId: 'feature-api-calls', currentUsage, usagePeriodStart: '2026-11-01T00:00:00.000Z', usagePeriodEnd: '2026-12-01T00:00:00.000Z' },
});
const publishedOf = (packageId: string): ChangeEvent => ({ type: 'package.published', customerId: null, resourceId: null, payload: { packageId, packageType: 'PLAN', productId: 'product-app', version: 1 } });
const named = (events: SseEvent[]) => events.map((event) => [event.event, event.data]);

async function eventually(check: () => Promise<boolean> | boolean, withinMs = 15_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('GET /v1/stream', () => {
  it('sends packagePublished for each version a catalog PUT publishes', async () => {
    const { apiKey } = await createTestEnvironment(harness.database.db);
    const events = await stream(apiKey);
    await request(harness.app).put('/v1/catalog').set('X-API-KEY', apiKey).send(exampleCatalogInput()).expect(200);

    expect(named(await events.waitFor(4))).toEqual([
      ['packagePublished', { packageId: 'addon-extra-projects', packageType: 'ADDON', productId: 'product-app', version: 1 }],
      ['packagePublished', { packageId: 'plan-free', packageType: 'PLAN', productId: 'product-app', version: 1 }],
      ['packagePublished', { packageId: 'plan-basic', packageType: 'PLAN', productId: 'product-app', version: 1 }],
      ['packagePublished', { packageId: 'plan-pro', packageType: 'PLAN', productId: 'product-app', version: 1 }],
    ]);
    expect(events.events.every((event) => /^\d+-\d+$/.test(event.id!))).toBe(true);
  });

  it('sends entitlementsUpdated and usageUpdated of its environment only, and no other event type', async () => {
    const [mine, theirs] = [await createTestEnvironment(harness.database.db), await createTestEnvironment(harness.database.db)];
    const events = await stream(mine.apiKey);
    await commitEvents(theirs.environmentId, entitlementsOf('c1'));
    await commitEvents(mine.environmentId, { type: 'apiKey.revoked', customerId: null, resourceId: null, payload: { apiKeyId: 'key_elsewhere' } });
    await commitEvents(mine.environmentId, entitlementsOf('c1', 7), usageOf('c1', 42));
    await commitEvents(mine.environmentId, publishedOf('marker'));

    expect(named(await events.waitFor(3))).toEqual([
      ['entitlementsUpdated', { customerId: 'c1', resourceId: null, entitlements: [grant('feature-seats', 7)] }],
      [
        'usageUpdated',
        { customerId: 'c1', resourceId: 'site-1', featureId: 'feature-api-calls', currentUsage: 42, usagePeriodStart: '2026-11-01T00:00:00.000Z', usagePeriodEnd: '2026-12-01T00:00:00.000Z' },
      ],
      ['packagePublished', { packageId: 'marker', packageType: 'PLAN', productId: 'product-app', version: 1 }],
    ]);
  });

  it('keeps one customer\'s events (and published packages) when asked for that customer', async () => {
    const { apiKey, environmentId } = await createTestEnvironment(harness.database.db);
    const events = await stream(apiKey, { query: 'customerId=c1' });
    await commitEvents(environmentId, entitlementsOf('c2'), usageOf('c2', 1));
    await commitEvents(environmentId, usageOf('c1', 3));
    await commitEvents(environmentId, publishedOf('marker'));

    expect((await events.waitFor(2)).map((event) => [event.event, (event.data as { customerId?: string }).customerId])).toEqual([
      ['usageUpdated', 'c1'],
      ['packagePublished', undefined],
    ]);
  });

  it('resumes after Last-Event-ID with the events committed while the client was away, none lost or doubled', async () => {
    const { apiKey, environmentId } = await createTestEnvironment(harness.database.db);
    const first = await stream(apiKey);
    await commitEvents(environmentId, usageOf('c1', 1));
    await commitEvents(environmentId, usageOf('c1', 2));
    const seen = await first.waitFor(2);
    first.close();
    await commitEvents(environmentId, usageOf('c1', 3));
    await commitEvents(environmentId, usageOf('c1', 4), usageOf('c1', 5));

    const resumed = await stream(apiKey, { lastEventId: seen[1]!.id! });
    await commitEvents(environmentId, usageOf('c1', 6));
    const usages = (events: SseEvent[]) => events.map((event) => (event.data as { currentUsage: number }).currentUsage);
    expect(usages(await resumed.waitFor(4))).toEqual([3, 4, 5, 6]);
    await commitEvents(environmentId, publishedOf('marker'));
    await resumed.waitFor(5);
    expect(usages(resumed.events.slice(0, 4))).toEqual([3, 4, 5, 6]);
    expect(new Set(resumed.events.map((event) => event.id)).size).toBe(5);

    // The same through the query, for clients that cannot set headers.
    const fromQuery = await stream(apiKey, { query: `lastEventId=${resumed.events[1]!.id}` });
    expect(usages(await fromQuery.waitFor(2, (event) => event.event === 'usageUpdated'))).toEqual([5, 6]);
  });

  it('tells a client to resynchronise when more events than the replay window happened, then resumes from there', async () => {
    const { apiKey, environmentId } = await createTestEnvironment(harness.database.db);
    const first = await stream(apiKey);
    await commitEvents(environmentId, usageOf('c1', 0));
    const [last] = await first.waitFor(1);
    first.close();
    // The harness replays at most 5 events. A live client sees all six before the late one connects: the feed has
    // delivered them, so the resync's position follows them (else resuming from it could need a resync again).
    const watcher = await stream(apiKey);
    for (let usage = 1; usage <= 6; usage++) await commitEvents(environmentId, usageOf('c1', usage));
    await watcher.waitFor(1, (event) => (event.data as { currentUsage?: number }).currentUsage === 6);
    watcher.close();

    const late = await stream(apiKey, { lastEventId: last!.id! });
    const [resync] = await late.waitFor(1);
    expect(resync).toMatchObject({ event: 'resyncRequired', data: { reason: expect.stringContaining('more than 5 events') } });
    await commitEvents(environmentId, usageOf('c1', 7));
    // Whatever committed after the resync's position follows it (the feed may not have delivered all of 1..6 yet).
    const afterResync = (await late.waitFor(1, (event) => (event.data as { currentUsage?: number }).currentUsage === 7)) && late.events.slice(1);
    expect(afterResync.at(-1)).toMatchObject({ event: 'usageUpdated', data: { currentUsage: 7 } });
    late.close();
    await commitEvents(environmentId, usageOf('c1', 8));
    // Resuming from the resync's id loses nothing that followed it, and repeats nothing before it.
    const again = await stream(apiKey, { lastEventId: resync!.id! });
    expect(await again.waitFor(afterResync.length + 1)).toEqual([...afterResync, expect.objectContaining({ data: expect.objectContaining({ currentUsage: 8 }) })]);
  });

  it('tells a client to resynchronise when its Last-Event-ID is not one this server handed out', async () => {
    const { apiKey } = await createTestEnvironment(harness.database.db);
    const events = await stream(apiKey, { lastEventId: '999999999999-1' });
    expect((await events.waitFor(1))[0]).toMatchObject({ event: 'resyncRequired', data: { reason: expect.stringContaining('not an event of this server') } });
  });

  it('sends heartbeat comments, and frees its subscription when the client goes', async () => {
    const { apiKey } = await createTestEnvironment(harness.database.db);
    const before = harness.changeFeed.subscriberCount();
    const events = await stream(apiKey);
    await events.waitForComment('heartbeat');
    expect(harness.changeFeed.subscriberCount()).toBe(before + 1);
    events.close();
    await eventually(() => harness.changeFeed.subscriberCount() === before);
  });

  it('is delivered by every API process on the database', async () => {
    const { apiKey, environmentId } = await createTestEnvironment(harness.database.db);
    const [here, there] = [await stream(apiKey), await stream(apiKey, { base: other.url })];
    await commitEvents(environmentId, entitlementsOf('c1'));
    await commitEvents(environmentId, usageOf('c1', 1), usageOf('c2', 2));
    const [fromHere, fromThere] = [await here.waitFor(3), await there.waitFor(3)];
    expect(fromThere).toEqual(fromHere);
    expect(fromHere.map((event) => event.event)).toEqual(['entitlementsUpdated', 'usageUpdated', 'usageUpdated']);
  });

  it('keeps delivering after the change feed\'s connection is killed, with the events committed meanwhile', async () => {
    const { apiKey, environmentId } = await createTestEnvironment(harness.database.db);
    const events = await stream(apiKey);
    await commitEvents(environmentId, usageOf('c1', 1));
    await events.waitFor(1);
    const { rows } = await sql<{ killed: boolean }>`
      select pg_terminate_backend(pid) as killed from pg_stat_activity
      where application_name = 'tollgate-change-feed' and datname = current_database()`.execute(harness.database.db);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    await commitEvents(environmentId, usageOf('c1', 2));
    await commitEvents(environmentId, usageOf('c1', 3));
    expect((await events.waitFor(3)).map((event) => (event.data as { currentUsage: number }).currentUsage)).toEqual([1, 2, 3]);
    await eventually(() => harness.changeFeed.isCurrent() && other.feed.isCurrent());
  });

  it('answers 400 naming the field for a bad customerId, Last-Event-ID or lastEventId, and 401 without a key', async () => {
    const { apiKey } = await createTestEnvironment(harness.database.db);
    const field = async (options: Parameters<typeof stream>[1]) => {
      const answer = await stream(apiKey, options);
      return [answer.status, (answer.body as { error: { code: string; field: string } }).error];
    };
    expect(await field({ query: 'customerId=bad%2Fid' })).toEqual([400, expect.objectContaining({ code: 'INVALID_INPUT', field: 'customerId' })]);
    expect(await field({ lastEventId: 'yesterday' })).toEqual([400, expect.objectContaining({ code: 'INVALID_INPUT', field: 'Last-Event-ID' })]);
    expect(await field({ lastEventId: '1-99999999999999999' })).toEqual([400, expect.objectContaining({ field: 'Last-Event-ID' })]);
    expect(await field({ query: 'lastEventId=12' })).toEqual([400, expect.objectContaining({ field: 'lastEventId' })]);
    expect(await field({ query: 'since=0' })).toEqual([400, expect.objectContaining({ field: 'since' })]);
    expect((await openSseStream(`${url}/v1/stream`, {})).status).toBe(401);
  });
});

describe('the change feed', () => {
  it('is not current while a commit waits behind an older open transaction, and delivers it once that one ends', async () => {
    const { apiKey, environmentId } = await createTestEnvironment(harness.database.db);
    const events = await stream(apiKey);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const holding = new Promise<void>((resolve) => (started = resolve));
    const older = harness.database.db.transaction().execute(async (trx) => {
      await sql`select pg_current_xact_id()`.execute(trx);
      started();
      await released;
    });
    await holding;
    try {
      await commitEvents(environmentId, usageOf('c1', 1));
      // The older transaction could still commit an event that goes before this one: nothing may be served as fresh.
      await eventually(() => !harness.changeFeed.isCurrent());
      expect(events.events).toEqual([]);
    } finally {
      release();
      await older;
    }
    await eventually(() => harness.changeFeed.isCurrent());
    expect((await events.waitFor(1))[0]).toMatchObject({ event: 'usageUpdated', data: { currentUsage: 1 } });
  });
});

describe('the API key cache', () => {
  it('serves a known key from memory, and a key revoked through `key revoke` is refused by another API process', async () => {
    const { environmentId } = await createTestEnvironment(harness.database.db);
    const key = await createApiKey(harness.database.db, environmentId, 'cached');
    const asks = (base: string) => request(base).get('/v1/catalog').set('X-API-KEY', key.plaintext);
    const openWithKey = await stream(key.plaintext, { base: other.url });
    const setRevokedAt = (revoked: boolean) => sql`update api_keys set revoked_at = ${revoked ? sql`now()` : null} where id = ${key.id}`.execute(harness.database.db);
    // Revoked behind the cache's back (no event): the other process still answers from memory. (Retried: a long
    // transaction of another test file on the shared server can make the feed not current, and the cache step aside.)
    await eventually(async () => {
      await setRevokedAt(false);
      await asks(other.url).expect(200);
      await setRevokedAt(true);
      return (await asks(other.url)).status === 200;
    });
    await setRevokedAt(false);
    // ...while a revocation through the CLI's code path reaches it through the feed.
    await asks(url).expect(200);
    expect(await revokeApiKey(harness.database.db, key.id)).toBe(true);
    // Each process hears it from its own feed, so one may hear it a few milliseconds after the other.
    await eventually(async () => (await asks(other.url)).status === 401, 5_000);
    await eventually(async () => (await asks(url)).status === 401, 5_000);
    await asks(url).expect(401);
    expect(await revokeApiKey(harness.database.db, key.id)).toBe(false);
    // A stream opened with the key ends with it.
    await expect(openWithKey.waitFor(1)).rejects.toThrow('stream ended');
  });

  it('accepts a new key at once: unknown keys are not remembered', async () => {
    const { environmentId } = await createTestEnvironment(harness.database.db);
    const plaintext = `tg_server_${Math.random().toString(36).slice(2)}`;
    await request(url).get('/v1/catalog').set('X-API-KEY', plaintext).expect(401);
    await createApiKey(harness.database.db, environmentId, 'new', plaintext);
    await request(url).get('/v1/catalog').set('X-API-KEY', plaintext).expect(200);
  });

  it('reads keys from the database while the change feed is not current', async () => {
    const { environmentId } = await createTestEnvironment(harness.database.db);
    const key = await createApiKey(harness.database.db, environmentId, 'frozen');
    const asks = () => request(other.url).get('/v1/catalog').set('X-API-KEY', key.plaintext);
    await asks().expect(200);
    other.proxy.freeze();
    try {
      await eventually(() => !other.feed.isCurrent());
      await sql`update api_keys set revoked_at = now() where id = ${key.id}`.execute(harness.database.db);
      await asks().expect(401);
      await sql`update api_keys set revoked_at = null where id = ${key.id}`.execute(harness.database.db);
    } finally {
      other.proxy.thaw();
    }
    await eventually(() => other.feed.isCurrent());
    await asks().expect(200);
  });
});

// Last: it prunes the whole outbox.
describe('a stream whose process was cut off longer than the outbox keeps events', () => {
  it('gets resyncRequired, and the events after it', async () => {
    const { apiKey, environmentId } = await createTestEnvironment(harness.database.db);
    const events = await stream(apiKey, { base: other.url });
    await events.waitForComment('connected');
    other.proxy.freeze();
    try {
      await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'tollgate-change-feed' and datname = current_database()`.execute(harness.database.db);
      await eventually(() => !other.feed.isCurrent());
      await commitEvents(environmentId, usageOf('c1', 1));
      await waitForOutboxHorizon(harness.database.db);
      await sql`update change_outbox set created_at = now() - interval '2 days'`.execute(harness.database.db);
      while ((await pruneChangeOutbox(harness.database.db, new Date(Date.now() - 86_400_000), 1_000)) > 0);
    } finally {
      other.proxy.thaw();
    }
    const [resync] = await events.waitFor(1);
    expect(resync).toMatchObject({ event: 'resyncRequired', data: { reason: expect.stringContaining('missed events') } });
    await commitEvents(environmentId, usageOf('c1', 2));
    expect((await events.waitFor(2))[1]).toMatchObject({ event: 'usageUpdated', data: { currentUsage: 2 } });
  });
});
