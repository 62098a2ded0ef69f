import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities/createActivities';
import { createNoneBillingProvider } from '../../src/billing/noneBillingProvider';
import { applyCatalog } from '../../src/services/applyCatalog';
import { subscriptionTestCatalog } from '../support/subscriptionFixtures';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { createTestEnvironment } from '../support/testEnvironment';

let database: TestDatabase;
let environmentId: string;
let activities: ReturnType<typeof createActivities>;
beforeAll(async () => {
  database = await createTestDatabase();
  ({ environmentId } = await createTestEnvironment(database.db));
  await applyCatalog(database.db, environmentId, subscriptionTestCatalog());
  activities = createActivities({ db: database.db, billing: createNoneBillingProvider(), logger: pino({ level: 'silent' }) });
});
afterAll(async () => database?.drop());

let counter = 0;
async function newCustomer() {
  const customerId = `history-${++counter}`;
  await activities.insertCustomer({ environmentId, customerId, name: null, email: null, couponId: null, metadata: {}, billingId: null });
  return customerId;
}

// What recordSubscription is called with, for a plan the workflow prepared.
async function recordInput(customerId: string, subscriptionId: string, planId: string) {
  const prepared = await activities.prepareSubscription({ environmentId, customerId, request: { planId, billingPeriod: 'MONTHLY' }, now: new Date().toISOString() });
  const cause = { kind: 'API' as const, detail: 'provisionSubscription' };
  return { environmentId, subscriptionId, customerId, prepared, metadata: {}, promotionCode: null, billing: null, checkout: null, cause };
}

const historyOf = (subscriptionId: string) =>
  database.db
    .selectFrom('subscription_history')
    .select(['transition', 'from_status', 'to_status', 'cause', 'cause_detail'])
    .where('environment_id', '=', environmentId)
    .where('subscription_id', '=', subscriptionId)
    .orderBy('id')
    .execute();

describe('subscription history on a real Postgres', () => {
  it('a retried record, replacement or ending (also concurrent) appends its entry once, in the transaction that made it', async () => {
    const customerId = await newCustomer();
    const free = await recordInput(customerId, 'sub-h-free', 'plan-free');
    await activities.recordSubscription(free);
    await Promise.all([activities.recordSubscription(free), activities.recordSubscription(free)]);
    const basic = await recordInput(customerId, 'sub-h-basic', 'plan-basic');
    await Promise.all([activities.recordSubscription(basic), activities.recordSubscription(basic)]);
    await activities.recordSubscription(basic);
    const ending = { environmentId, subscriptionId: 'sub-h-basic', status: 'CANCELED' as const, reason: 'CANCELED' as const };
    await Promise.all([activities.endSubscription(ending), activities.endSubscription(ending)]);
    await activities.endSubscription(ending);

    expect(await historyOf('sub-h-free')).toEqual([
      { transition: 'CREATED', from_status: null, to_status: 'ACTIVE', cause: 'API', cause_detail: 'provisionSubscription' },
      { transition: 'REPLACED', from_status: 'ACTIVE', to_status: 'CANCELED', cause: 'API', cause_detail: 'provisionSubscription' },
    ]);
    expect(await historyOf('sub-h-basic')).toEqual([
      { transition: 'CREATED', from_status: null, to_status: 'ACTIVE', cause: 'API', cause_detail: 'provisionSubscription' },
      // No cause named: the reason's default.
      { transition: 'CANCELED', from_status: 'ACTIVE', to_status: 'CANCELED', cause: 'API', cause_detail: 'cancelSubscription' },
    ]);
  });

  it('keeps what each transition changed: every field set on creation, before and after of the changed ones later', async () => {
    const customerId = await newCustomer();
    await activities.recordSubscription(await recordInput(customerId, 'sub-h-changes', 'plan-basic'));
    await activities.endSubscription({ environmentId, subscriptionId: 'sub-h-changes', status: 'EXPIRED', reason: 'PROVIDER_ENDED' });
    const rows = await database.db.selectFrom('subscription_history').select(['changes', 'cause']).where('subscription_id', '=', 'sub-h-changes').orderBy('id').execute();
    expect(rows[0]!.changes).toMatchObject({ status: { before: null, after: 'ACTIVE' }, planId: { before: null, after: 'plan-basic' }, billingPeriod: { before: null, after: 'MONTHLY' } });
    expect(rows[0]!.changes).not.toHaveProperty('endDate');
    const { changes } = rows[1]!;
    expect(Object.keys(changes).sort()).toEqual(['endDate', 'endReason', 'status']);
    expect(changes).toMatchObject({ status: { before: 'ACTIVE', after: 'EXPIRED' }, endReason: { before: null, after: 'PROVIDER_ENDED' } });
    expect(rows[1]!.cause).toBe('WEBHOOK');
  });

  it('refuses UPDATE, DELETE and TRUNCATE of the history, and a cause outside the set', async () => {
    const customerId = await newCustomer();
    await activities.recordSubscription(await recordInput(customerId, 'sub-h-locked', 'plan-free'));
    const only = database.db.selectFrom('subscription_history').where('subscription_id', '=', 'sub-h-locked');
    await expect(database.db.updateTable('subscription_history').set({ transition: 'CANCELED' }).where('subscription_id', '=', 'sub-h-locked').execute()).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(database.db.deleteFrom('subscription_history').where('subscription_id', '=', 'sub-h-locked').execute()).rejects.toThrow(/append-only: DELETE refused/);
    await expect(sql`truncate subscription_history`.execute(database.db)).rejects.toThrow(/append-only: TRUNCATE refused/);
    expect(await only.select('transition').execute()).toEqual([{ transition: 'CREATED' }]);
    await expect(
      sql`insert into subscription_history (environment_id, subscription_id, transition, to_status, cause) values (${environmentId}, 'sub-h-locked', 'CREATED', 'ACTIVE', 'GUESS')`.execute(database.db),
    ).rejects.toThrow(/check constraint/);
  });
});
