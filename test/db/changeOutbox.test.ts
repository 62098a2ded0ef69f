import { sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities/createActivities';
import { createNoneBillingProvider } from '../../src/billing/noneBillingProvider';
import { appendChangeEvents, CHANGE_OUTBOX_CHANNEL, listChangeEventsAfter } from '../../src/db/repositories/changeOutbox.repository';
import { applyCatalog } from '../../src/services/applyCatalog';
import { exampleCatalog, type exampleCatalogInput } from '../support/exampleCatalog';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { createTestEnvironment } from '../support/testEnvironment';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  // Lets a test make the outbox append (the step after the write) fail for one environment of its choosing.
  await sql`create table outbox_refusals (environment_id text primary key)`.execute(database.db);
  await sql`
    create function refuse_outbox_append() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from outbox_refusals where environment_id = new.environment_id) then
        raise exception 'outbox append refused for this test';
      end if;
      return new;
    end $$`.execute(database.db);
  await sql`create trigger refuse_outbox_append before insert on change_outbox for each row execute function refuse_outbox_append()`.execute(database.db);
});
afterAll(async () => database?.drop());

const activities = () => createActivities({ db: database.db, billing: createNoneBillingProvider(), logger: pino({ level: 'silent' }) });
const newCustomer = (environmentId: string, customerId: string) => ({ environmentId, customerId, name: 'Ada', email: 'ada@example.com', couponId: null, metadata: { tier: 'gold' }, billingId: null });
const eventsOf = (environmentId: string) => listChangeEventsAfter(database.db, environmentId, 0, 1_000);
const refuseOutboxAppends = (environmentId: string) => database.db.insertInto('outbox_refusals' as never).values({ environment_id: environmentId } as never).execute();
const customerRow = (environmentId: string, customerId: string) =>
  database.db.selectFrom('customers').selectAll().where('environment_id', '=', environmentId).where('id', '=', customerId).executeTakeFirst();

function expectStrictlyIncreasing(ids: number[]) {
  for (let index = 1; index < ids.length; index++) expect(ids[index]!).toBeGreaterThan(ids[index - 1]!);
}

describe('committing a customer change', () => {
  it('appends customer.created once for an insert and customer.updated for each update, with increasing ids', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    const first = await activities().insertCustomer(newCustomer(environmentId, 'c1'));
    await activities().insertCustomer({ ...newCustomer(environmentId, 'c1'), name: 'Again' });
    const updated = await activities().updateCustomer({ environmentId, customerId: 'c1', changes: { name: 'Ada L.' } });
    const events = await eventsOf(environmentId);

    expect(events.map((event) => [event.type, event.customerId, event.resourceId])).toEqual([
      ['customer.created', 'c1', null],
      ['customer.updated', 'c1', null],
    ]);
    expect(events[0]!.payload).toEqual({ customer: first.customer });
    expect(events[1]!.payload).toEqual({ customer: updated });
    expect(events.every((event) => typeof event.id === 'number')).toBe(true);
    expectStrictlyIncreasing(events.map((event) => event.id));
  });

  it('appends one event for an update sent with a request key, however many runs apply it', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    await activities().insertCustomer(newCustomer(environmentId, 'c2'));
    const once = { environmentId, customerId: 'c2', changes: { email: 'new@example.com' }, requestKey: 'key-1:fingerprint' };
    await Promise.all([activities().updateCustomer(once), activities().updateCustomer(once)]);
    await activities().updateCustomer(once);
    expect((await eventsOf(environmentId)).map((event) => event.type)).toEqual(['customer.created', 'customer.updated']);
  });

  it('appends nothing and records nothing when the update finds no customer', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    const failure = await activities().updateCustomer({ environmentId, customerId: 'missing', changes: { name: 'x' }, requestKey: 'k' }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ type: 'CustomerNotFound' });
    expect(await eventsOf(environmentId)).toEqual([]);
    expect(await activities().findAppliedCustomerUpdate({ environmentId, requestKey: 'k' })).toBeNull();
  });

  it('rolls back the customer row, its request record and its event together when the append fails after the write', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    await activities().insertCustomer(newCustomer(environmentId, 'kept'));
    await refuseOutboxAppends(environmentId);

    await expect(activities().insertCustomer({ ...newCustomer(environmentId, 'c3'), requestKey: 'create-c3' })).rejects.toThrow();
    expect(await customerRow(environmentId, 'c3')).toBeUndefined();
    expect(await activities().findAppliedCustomerUpdate({ environmentId, requestKey: 'create-c3' })).toBeNull();

    await expect(activities().updateCustomer({ environmentId, customerId: 'kept', changes: { name: 'Changed' }, requestKey: 'update-kept' })).rejects.toThrow();
    expect((await customerRow(environmentId, 'kept'))?.name).toBe('Ada');
    expect(await activities().findAppliedCustomerUpdate({ environmentId, requestKey: 'update-kept' })).toBeNull();

    expect((await eventsOf(environmentId)).map((event) => [event.type, event.customerId])).toEqual([['customer.created', 'kept']]);
  });
});

describe('committing a catalog apply', () => {
  it('appends one package.published event per published plan and add-on version, and none for an apply that changes nothing', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    await applyCatalog(database.db, environmentId, exampleCatalog());
    await applyCatalog(database.db, environmentId, exampleCatalog());
    const plan = (c: ReturnType<typeof exampleCatalogInput>, id: string) => c.plans.find((p) => p.id === id)!;
    const basicAt2500 = (c: ReturnType<typeof exampleCatalogInput>) => (plan(c, 'plan-basic').prices![0]!.amount = 2500);
    await applyCatalog(database.db, environmentId, exampleCatalog(basicAt2500));
    // A draft is not on sale: it publishes nothing.
    await applyCatalog(database.db, environmentId, exampleCatalog((c) => (basicAt2500(c), Object.assign(plan(c, 'plan-pro'), { status: 'DRAFT', displayName: 'Pro next' }))));
    // Publishing that draft in place puts it on sale.
    await applyCatalog(database.db, environmentId, exampleCatalog((c) => (basicAt2500(c), Object.assign(plan(c, 'plan-pro'), { displayName: 'Pro next' }))));
    const events = await eventsOf(environmentId);
    // Every apply that changed something also tells caches of the catalog: four of the five did.
    expect(events.filter((event) => event.type === 'catalog.changed')).toHaveLength(4);

    expect(events.filter((event) => event.type === 'package.published').map((event) => [event.type, event.customerId, event.resourceId, event.payload])).toEqual([
      ['package.published', null, null, { packageId: 'addon-extra-projects', packageType: 'ADDON', productId: 'product-app', version: 1 }],
      ['package.published', null, null, { packageId: 'plan-free', packageType: 'PLAN', productId: 'product-app', version: 1 }],
      ['package.published', null, null, { packageId: 'plan-basic', packageType: 'PLAN', productId: 'product-app', version: 1 }],
      ['package.published', null, null, { packageId: 'plan-pro', packageType: 'PLAN', productId: 'product-app', version: 1 }],
      ['package.published', null, null, { packageId: 'plan-basic', packageType: 'PLAN', productId: 'product-app', version: 2 }],
      ['package.published', null, null, { packageId: 'plan-pro', packageType: 'PLAN', productId: 'product-app', version: 2 }],
    ]);
    expectStrictlyIncreasing(events.map((event) => event.id));
  });

  it('rolls back the whole catalog and its events when the append fails after the write', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    await refuseOutboxAppends(environmentId);
    await expect(applyCatalog(database.db, environmentId, exampleCatalog())).rejects.toThrow();
    const versions = await database.db.selectFrom('package_versions').select('id').where('environment_id', '=', environmentId).execute();
    const products = await database.db.selectFrom('products').select('id').where('environment_id', '=', environmentId).execute();
    expect([versions, products, await eventsOf(environmentId)]).toEqual([[], [], []]);
  });
});

describe('the change outbox', () => {
  it('is read per environment, after a given id', async () => {
    const [a, b] = [await createTestEnvironment(database.db), await createTestEnvironment(database.db)];
    await activities().insertCustomer(newCustomer(a.environmentId, 'a1'));
    await activities().insertCustomer(newCustomer(b.environmentId, 'b1'));
    await activities().insertCustomer(newCustomer(a.environmentId, 'a2'));
    const all = await eventsOf(a.environmentId);
    expect(all.map((event) => event.customerId)).toEqual(['a1', 'a2']);
    expect((await listChangeEventsAfter(database.db, a.environmentId, all[0]!.id, 10)).map((event) => event.customerId)).toEqual(['a2']);
    expect(await listChangeEventsAfter(database.db, a.environmentId, all[1]!.id, 10)).toEqual([]);
  });

  it('hands out ids in commit order within an environment, so a reader resuming after id N never skips a later commit', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstAppended!: () => void;
    const appended = new Promise<void>((resolve) => (firstAppended = resolve));
    const first = database.db.transaction().execute(async (trx) => {
      const [id] = await appendChangeEvents(trx, environmentId, [{ type: 'package.published', customerId: null, resourceId: null, payload: { packageId: 'p1', packageType: 'PLAN', productId: 'x', version: 1 } }]);
      firstAppended();
      await firstHolds;
      return id!;
    });
    await appended;
    const second = database.db.transaction().execute(async (trx) => {
      const [id] = await appendChangeEvents(trx, environmentId, [{ type: 'package.published', customerId: null, resourceId: null, payload: { packageId: 'p2', packageType: 'PLAN', productId: 'x', version: 1 } }]);
      return id!;
    });
    // The second append waits for the first commit (on the environment's outbox lock) instead of taking an id now.
    let secondSettled = false;
    void second.finally(() => (secondSettled = true)).catch(() => undefined);
    const waited = await sawLockWait(() => secondSettled).finally(releaseFirst);
    expect(waited).toBe(true);
    const [firstId, secondId] = await Promise.all([first, second]);
    expect(secondId).toBeGreaterThan(firstId);
  });

  it('notifies listeners of the last id of each commit, and of nothing rolled back', async () => {
    const [refused, accepted] = [await createTestEnvironment(database.db), await createTestEnvironment(database.db)];
    await refuseOutboxAppends(refused.environmentId);
    const listener = new pg.Client({ connectionString: database.url });
    await listener.connect();
    try {
      const notifications: string[] = [];
      let notified!: () => void;
      const firstNotification = new Promise<void>((resolve) => (notified = resolve));
      listener.on('notification', (message) => (notifications.push(message.payload ?? ''), notified()));
      await listener.query(`listen ${CHANGE_OUTBOX_CHANNEL}`);

      await expect(activities().insertCustomer(newCustomer(refused.environmentId, 'r1'))).rejects.toThrow();
      await activities().insertCustomer(newCustomer(accepted.environmentId, 'n1'));
      await firstNotification;
      const [event] = await eventsOf(accepted.environmentId);
      expect(notifications.map((payload) => JSON.parse(payload))).toEqual([{ environmentId: accepted.environmentId, lastEventId: event!.id }]);
    } finally {
      await listener.end();
    }
  });
});

// True once some backend of this database waits on an advisory lock; false if `done` says stop first (polled, never timed).
async function sawLockWait(done: () => boolean): Promise<boolean> {
  while (!done()) {
    const { rows } = await sql<{ waiting: number }>`
      select count(*)::int as waiting from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`.execute(database.db);
    if (rows[0]!.waiting > 0) return true;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return false;
}
