import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitChange } from '../../src/db/commitChange';
import { pruneChangeOutbox } from '../../src/db/repositories/changeOutbox.repository';
import type { ChangeEvent, StoredChangeEvent } from '../../src/domain/changeEvent';
import { startChangeFeed, type ChangeFeed } from '../../src/infra/changeFeed';
import { startFreezableProxy, type FreezableProxy } from '../support/freezableProxy';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { createTestEnvironment } from '../support/testEnvironment';

let database: TestDatabase;
let proxy: FreezableProxy;
const feeds: ChangeFeed[] = [];
beforeAll(async () => {
  database = await createTestDatabase();
  const target = new URL(database.url);
  proxy = await startFreezableProxy({ host: target.hostname, port: Number(target.port) });
});
afterAll(async () => {
  proxy?.thaw();
  await Promise.all(feeds.map((feed) => feed.close()));
  await proxy?.close();
  await database?.drop();
});

// A feed that reaches the database through the proxy, quick to give up and retry.
function proxiedFeed(): ChangeFeed {
  const url = new URL(database.url);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  const feed = startChangeFeed({ connectionString: url.toString(), logger: pino({ level: 'silent' }), statementTimeoutMs: 500, reconnectDelayMs: { first: 50, max: 200 } });
  feeds.push(feed);
  return feed;
}

const published = (packageId: string): ChangeEvent => ({ type: 'package.published', customerId: null, resourceId: null, payload: { packageId, packageType: 'PLAN', productId: 'x', version: 1 } });
const commitEvents = (environmentId: string, ...events: ChangeEvent[]) =>
  commitChange(database.db, { environmentId, write: async () => undefined, recompute: () => [], events: () => events });
const killFeedConnections = () =>
  sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'tollgate-change-feed' and datname = current_database()`.execute(database.db);

async function eventually(check: () => boolean, withinMs = 15_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the change feed', () => {
  it('starts while Postgres is unreachable, retries without failing, and delivers once it is reachable', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    proxy.freeze();
    const feed = proxiedFeed();
    const received: string[] = [];
    feed.subscribe({ onEvent: (event) => void (event.environmentId === environmentId && received.push((event.payload as { packageId: string }).packageId)) });
    expect(feed.isCurrent()).toBe(false);
    proxy.thaw();
    await feed.ready;
    await commitEvents(environmentId, published('p1'));
    await eventually(() => received.length === 1);
    expect(received).toEqual(['p1']);
  });

  it('tells subscribers to resynchronise when it was away longer than the outbox kept its events', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    const feed = proxiedFeed();
    await feed.ready;
    const received: StoredChangeEvent[] = [];
    let resets = 0;
    feed.subscribe({ onEvent: (event) => void (event.environmentId === environmentId && received.push(event)), onReset: () => void resets++ });
    proxy.freeze();
    await killFeedConnections();
    await eventually(() => !feed.isCurrent());
    await commitEvents(environmentId, published('missed'));
    // Everything so far is pruned, as if a day had passed.
    await sql`update change_outbox set created_at = now() - interval '2 days'`.execute(database.db);
    while ((await pruneChangeOutbox(database.db, new Date(Date.now() - 86_400_000), 1_000)) > 0);
    proxy.thaw();
    await eventually(() => feed.isCurrent());
    expect(resets).toBe(1);
    await commitEvents(environmentId, published('after'));
    await eventually(() => received.length > 0);
    expect(received.map((event) => (event.payload as { packageId: string }).packageId)).toEqual(['after']);
  });
});
