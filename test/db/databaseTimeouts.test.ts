import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/createDb';
import { isDatabaseUnavailable } from '../../src/db/databaseUnavailable';
import { parseCatalogText } from '../../src/domain/catalog/parseCatalogDocument';
import { applyCatalog } from '../../src/services/applyCatalog';
import { ensureEnvironment } from '../../src/services/environments';
import { startFreezableProxy, type FreezableProxy } from '../support/freezableProxy';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

const TIMEOUTS = { connectMs: 500, statementMs: 500 };
const FREE_ONLY_CATALOG = `
products: [{ id: product-app, displayName: App }]
plans: [{ id: plan-free, productId: product-app, displayName: Free, pricingType: FREE }]
`;

let database: TestDatabase;
let proxy: FreezableProxy;
const opened: Db[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const url = new URL(database.url);
  proxy = await startFreezableProxy({ host: url.hostname, port: Number(url.port) });
  await sql`create table fault_probe (id text primary key)`.execute(database.db);
});
afterEach(async () => {
  proxy.thaw();
  await Promise.all(opened.splice(0).map((db) => db.destroy()));
});
afterAll(async () => {
  await proxy.close();
  await database.drop();
});

// A pool that reaches the test database through the proxy, so the test can freeze it.
function dbThroughProxy(maxConnections = 1): Db {
  const url = new URL(database.url);
  url.port = String(proxy.port);
  const db = createDb(url.toString(), { maxConnections, timeouts: TIMEOUTS });
  opened.push(db);
  return db;
}

const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe('bounded database calls', () => {
  it('gives up on a frozen server, for a new connection, a query and the wait for a busy pool', async () => {
    const warm = dbThroughProxy(1);
    await sql`select 1`.execute(warm);
    proxy.freeze();
    const [query, waiting] = await Promise.all([rejection(sql`select 1`.execute(warm)), rejection(sql`select 2`.execute(warm))]);
    const connecting = await rejection(sql`select 1`.execute(dbThroughProxy()));
    for (const error of [query, waiting, connecting]) {
      expect(error).toBeInstanceOf(Error);
      expect(isDatabaseUnavailable(error)).toBe(true);
    }

    proxy.thaw();
    expect((await sql<{ n: number }>`select 3 as n`.execute(warm)).rows).toEqual([{ n: 3 }]);
  });

  it('never hands out a connection whose cut-off BEGIN would still open a transaction', async () => {
    const db = dbThroughProxy(1);
    await sql`select 1`.execute(db);
    proxy.freeze();
    const failed = await rejection(db.transaction().execute((trx) => sql`insert into fault_probe (id) values ('in-transaction')`.execute(trx)));
    expect(isDatabaseUnavailable(failed)).toBe(true);
    proxy.thaw();

    // Written outside any transaction: another connection must see it at once.
    await sql`insert into fault_probe (id) values ('after-thaw')`.execute(db);
    const seen = await sql<{ id: string }>`select id from fault_probe order by id`.execute(database.db);
    expect(seen.rows).toEqual([{ id: 'after-thaw' }]);
  });

  it('cancels a slow statement on the server and keeps the connection usable', async () => {
    const db = createDb(database.url, { maxConnections: 1, timeouts: TIMEOUTS });
    opened.push(db);
    const slow = await rejection(sql`select pg_sleep(5)`.execute(db));
    expect(slow).toMatchObject({ code: '57014' });
    expect(isDatabaseUnavailable(slow)).toBe(true);
    expect((await sql<{ n: number }>`select 1 as n`.execute(db)).rows).toEqual([{ n: 1 }]);
  });

  it('rolls a catalog apply back and frees its lock when it times out waiting for the lock', async () => {
    const db = createDb(database.url, { maxConnections: 2, timeouts: TIMEOUTS });
    opened.push(db);
    const environment = await ensureEnvironment(db, 'timeouts');
    const parsed = parseCatalogText(FREE_ONLY_CATALOG);
    if (!parsed.ok) throw new Error('the test catalog is invalid');

    // Another session holds the environment's catalog lock longer than the statement timeout.
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    await holder.query('select pg_advisory_lock(hashtext($1))', [`catalog:${environment.id}`]);
    const blocked = await rejection(applyCatalog(db, environment.id, parsed.catalog));
    expect(isDatabaseUnavailable(blocked)).toBe(true);
    await holder.end();

    const locks = await sql<{ n: number }>`select count(*)::int as n from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`.execute(database.db);
    expect(locks.rows).toEqual([{ n: 0 }]);
    expect(await applyCatalog(db, environment.id, parsed.catalog)).toMatchObject({ ok: true, changed: true });
  });
});
