import { sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities/createActivities';
import { createNoneBillingProvider } from '../../src/billing/noneBillingProvider';
import { appendChangeEvents, CHANGE_OUTBOX_CHANNEL, findResumeGap, listChangeEventsAfter, pruneChangeOutbox } from '../../src/db/repositories/changeOutbox.repository';
import type { ChangeEvent, StoredChangeEvent } from '../../src/domain/changeEvent';
import { comparePositions, formatEventId, OUTBOX_START, type OutboxPosition } from '../../src/domain/outboxPosition';
import { applyCatalog } from '../../src/services/applyCatalog';
import { exampleCatalog, type exampleCatalogInput } from '../support/exampleCatalog';
import { waitForOutboxHorizon } from '../support/outboxHorizon';
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
const eventsOf = async (environmentId: string) => (await waitForOutboxHorizon(database.db), listChangeEventsAfter(database.db, environmentId, OUTBOX_START, 1_000));
const refuseOutboxAppends = (environmentId: string) => database.db.insertInto('outbox_refusals' as never).values({ environment_id: environmentId } as never).execute();
const customerRow = (environmentId: string, customerId: string) =>
  database.db.selectFrom('customers').selectAll().where('environment_id', '=', environmentId).where('id', '=', customerId).executeTakeFirst();

function expectStrictlyIncreasing(positions: OutboxPosition[]) {
  for (let index = 1; index < positions.length; index++) expect(comparePositions(positions[index]!, positions[index - 1]!)).toBeGreaterThan(0);
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
    expect(events.every((event) => event.environmentId === environmentId)).toBe(true);
    expectStrictlyIncreasing(events.map((event) => event.position));
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
    expectStrictlyIncreasing(events.map((event) => event.position));
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
  it('is read per environment, after a given position', async () => {
    const [a, b] = [await createTestEnvironment(database.db), await createTestEnvironment(database.db)];
    await activities().insertCustomer(newCustomer(a.environmentId, 'a1'));
    await activities().insertCustomer(newCustomer(b.environmentId, 'b1'));
    await activities().insertCustomer(newCustomer(a.environmentId, 'a2'));
    const all = await eventsOf(a.environmentId);
    expect(all.map((event) => event.customerId)).toEqual(['a1', 'a2']);
    expect((await listChangeEventsAfter(database.db, a.environmentId, all[0]!.position, 10)).map((event) => event.customerId)).toEqual(['a2']);
    expect(await listChangeEventsAfter(database.db, a.environmentId, all[1]!.position, 10)).toEqual([]);
  });

  it('lets a second transaction append and commit while an earlier one is still open (no per-environment queue)', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    const earlier = await openAppend(environmentId, 'p1');
    try {
      // With a lock held until commit this append would wait for `earlier`, and the test would time out.
      const [later] = await database.db.transaction().execute((trx) => appendChangeEvents(trx, environmentId, [published('p2')]));
      expect(comparePositions(later!, earlier.position)).toBeGreaterThan(0);
    } finally {
      await earlier.commit();
    }
  });

  it('never lets a reader resuming after a position miss a transaction that began earlier and commits later', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    const seen: StoredChangeEvent[] = [];
    let cursor = OUTBOX_START;
    const readOn = async () => {
      const events = await listChangeEventsAfter(database.db, environmentId, cursor, 100);
      seen.push(...events);
      cursor = events.at(-1)?.position ?? cursor;
    };
    const earlier = await openAppend(environmentId, 'began-first');
    await database.db.transaction().execute((trx) => appendChangeEvents(trx, environmentId, [published('committed-first')]));
    // The later commit is held back while the earlier transaction may still commit before it in the stream's order.
    await readOn();
    expect(seen).toEqual([]);
    await earlier.commit();
    // Other test files share the cluster: their open transactions may hold the horizon back a little longer.
    while (seen.length < 2) await readOn();
    expect(seen.map((event) => (event.payload as { packageId: string }).packageId)).toEqual(['began-first', 'committed-first']);
    await readOn();
    expect(seen).toHaveLength(2);
  });

  it('notifies listeners of the last event id of each commit, and of nothing rolled back', async () => {
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
      expect(notifications.map((payload) => JSON.parse(payload))).toEqual([{ environmentId: accepted.environmentId, lastEventId: formatEventId(event!.position) }]);
    } finally {
      await listener.end();
    }
  });
});

describe('pruning the change outbox', () => {
  it('removes the oldest events older than the cutoff, a bounded batch at a time, and records how far it went', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    const append = (packageId: string) => database.db.transaction().execute(async (trx) => (await appendChangeEvents(trx, environmentId, [published(packageId)]))[0]!);
    const [first, second, third] = [await append('old-1'), await append('old-2'), await append('recent')];
    const dayAgo = new Date(Date.now() - 86_400_000);
    expect(await pruneChangeOutbox(database.db, dayAgo, 1_000)).toBe(0);
    // Everything up to `second` (the events of earlier tests included) becomes two days old.
    await sql`update change_outbox set created_at = now() - interval '2 days' where (transaction_id, id) <= (${second.transactionId.toString()}::xid8, ${second.id})`.execute(database.db);

    expect(await pruneChangeOutbox(database.db, dayAgo, 1)).toBe(1);
    while ((await pruneChangeOutbox(database.db, dayAgo, 2)) > 0);
    expect((await eventsOf(environmentId)).map((event) => event.position)).toEqual([third]);
    expect(await findResumeGap(database.db, first)).toBe('pruned');
    expect(await findResumeGap(database.db, OUTBOX_START)).toBe('pruned');
    expect(await findResumeGap(database.db, second)).toBeUndefined();
    expect(await findResumeGap(database.db, third)).toBeUndefined();
    expect(await findResumeGap(database.db, { transactionId: third.transactionId + 1_000_000n, id: 1 })).toBe('unknown');
  });
});

const published = (packageId: string): ChangeEvent => ({ type: 'package.published', customerId: null, resourceId: null, payload: { packageId, packageType: 'PLAN', productId: 'x', version: 1 } });

// A transaction that has appended one event and stays open until `commit`.
async function openAppend(environmentId: string, packageId: string): Promise<{ position: OutboxPosition; commit: () => Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let appended!: (position: OutboxPosition) => void;
  const position = new Promise<OutboxPosition>((resolve) => (appended = resolve));
  const transaction = database.db.transaction().execute(async (trx) => {
    const [first] = await appendChangeEvents(trx, environmentId, [published(packageId)]);
    appended(first!);
    await released;
  });
  return { position: await position, commit: async () => (release(), await transaction) };
}
