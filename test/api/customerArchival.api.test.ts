import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../src/workflows/workflowIds';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { expectAnswersDocumented, recordAnswers } from '../support/documentedAnswers';
import { subscriptionTestCatalog } from '../support/subscriptionFixtures';
import { createTestEnvironment } from '../support/testEnvironment';

// archiveCustomer without a billing provider: the archival workflow against real Postgres and Temporal.
let harness: ApiHarness;
let key: string;
let environmentId: string;

beforeAll(async () => {
  harness = await startApiHarness({ billing: 'none' });
  ({ apiKey: key, environmentId } = await createTestEnvironment(harness.database.db));
  await api().put('/v1/catalog').set('X-API-KEY', key).send(subscriptionTestCatalog()).expect(200);
}, 120_000);
afterAll(async () => harness?.stop());

const answers = recordAnswers(() => harness.app);
const api = answers.api;
afterEach(async () => expectAnswersDocumented(harness.app, answers.takeAnswers()));

const db = () => harness.database.db;
let counter = 0;
async function newCustomer(idempotencyKey?: string) {
  const customerId = `archival-${++counter}`;
  const call = api().post('/v1/customers').set('X-API-KEY', key);
  if (idempotencyKey) call.set('Idempotency-Key', idempotencyKey);
  await call.send({ customerId, name: 'Ada Lovelace', email: `${customerId}@example.com`, metadata: { phone: '+44 20 7946 0000' }, subscriptionParams: null }).expect(201);
  return customerId;
}
const provision = (body: Record<string, unknown>) => api().post('/v1/subscriptions').set('X-API-KEY', key).send(body).expect(201);
const archive = (customerId: string) => api().post(`/v1/customers/${customerId}/archive`).set('X-API-KEY', key);
const subscriptionRows = (customerId: string) => db().selectFrom('subscriptions').selectAll().where('environment_id', '=', environmentId).where('customer_id', '=', customerId).orderBy('created_at').execute();
const outboxOf = (customerId: string) =>
  db().selectFrom('change_outbox').select(['event_type']).where('environment_id', '=', environmentId).where('customer_id', '=', customerId).orderBy('id').execute();
const inThirtyDays = () => new Date(Date.now() + 30 * 86_400_000).toISOString();

describe('archiveCustomer', () => {
  it('ends every subscription (a live one and a scheduled one) without a fallback plan, removes the personal data and recomputes entitlements', async () => {
    const customerId = await newCustomer();
    const paid = (await provision({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY' })).body.subscription;
    const scheduled = (await provision({ customerId, planId: 'plan-site-paid', resourceId: 'site-1', billingPeriod: 'MONTHLY', startDate: inThirtyDays() })).body.subscription;
    expect([paid.status, scheduled.status]).toEqual(['ACTIVE', 'NOT_STARTED']);
    const before = await api().get(`/v1/customers/${customerId}/entitlements/feature-projects`).set('X-API-KEY', key).expect(200);
    expect(before.body).toMatchObject({ hasAccess: true, value: 20 });

    const archived = await archive(customerId).expect(200);
    expect(archived.body).toEqual({ customerId, archivedAt: expect.any(String) });

    const customer = await db().selectFrom('customers').selectAll().where('environment_id', '=', environmentId).where('id', '=', customerId).executeTakeFirstOrThrow();
    expect(customer).toMatchObject({ name: null, email: null, metadata: {} });
    expect(customer.archived_at?.toISOString()).toBe(archived.body.archivedAt);
    // Both ended now; product-app's fallback plan (plan-free) was not provisioned for the archived customer.
    const rows = await subscriptionRows(customerId);
    expect(rows.map((row) => [row.id, row.status, row.end_reason, row.live_slot])).toEqual([
      [paid.id, 'CANCELED', 'CANCELED', null],
      [scheduled.id, 'CANCELED', 'CANCELED', null],
    ]);
    // The history names the archival as the cause, for the live subscription and the scheduled one alike.
    for (const id of [paid.id, scheduled.id]) {
      const last = await db().selectFrom('subscription_history').select(['transition', 'cause', 'cause_detail']).where('subscription_id', '=', id).orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(last).toEqual({ transition: 'CANCELED', cause: 'API', cause_detail: 'archiveCustomer' });
    }
    const entitlements = await db().selectFrom('effective_entitlements').select('feature_id').where('environment_id', '=', environmentId).where('customer_id', '=', customerId).execute();
    expect(entitlements).toEqual([]);
    const events = (await outboxOf(customerId)).map((event) => event.event_type);
    expect(events).toContain('customer.archived');
    expect(events.filter((type) => type === 'subscription.ended')).toHaveLength(2);
    expect(events.lastIndexOf('entitlements.updated')).toBeGreaterThan(events.indexOf('customer.archived'));

    // The archival run can be found in the Temporal UI by customer id.
    let found: string[] = [];
    for (let attempt = 0; attempt < 50 && found.length === 0; attempt++) {
      for await (const workflow of harness.client.workflow.list({ query: `TollgateCustomerId = "${customerId}" AND WorkflowType = "archiveCustomerWorkflow"` })) found.push(workflow.workflowId);
      if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(found).toEqual([workflowIds.archiveCustomer(environmentId, customerId)]);
  });

  it('hides the customer from every read and list; checks answer CustomerIsArchived; its id can never be provisioned again', async () => {
    const customerId = await newCustomer();
    const paid = (await provision({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY' })).body.subscription;
    await archive(customerId).expect(200);

    const notFound = async (path: string) => expect((await api().get(path).set('X-API-KEY', key).expect(404)).body.error.field).toMatch(/customerId|subscriptionId/);
    await notFound(`/v1/customers/${customerId}`);
    await notFound(`/v1/customers/${customerId}/subscriptions`);
    await notFound(`/v1/customers/${customerId}/entitlements`);
    await notFound(`/v1/customers/${customerId}/usage/feature-api-calls`);
    await notFound(`/v1/subscriptions/${paid.id}`);
    await notFound(`/v1/subscriptions/${paid.id}/history`);
    await notFound(`/v1/paywall?productId=product-app&customerId=${customerId}`);
    const check = await api().get(`/v1/customers/${customerId}/entitlements/feature-projects`).set('X-API-KEY', key).expect(200);
    expect(check.body).toMatchObject({ hasAccess: false, accessDeniedReason: 'CustomerIsArchived' });

    const again = await api().post('/v1/customers').set('X-API-KEY', key).send({ customerId, name: 'Someone else' }).expect(409);
    expect(again.body.error).toMatchObject({ code: 'CUSTOMER_ID_ARCHIVED', field: 'customerId' });
    const subscribe = await api().post('/v1/subscriptions').set('X-API-KEY', key).send({ customerId, planId: 'plan-free' }).expect(409);
    expect(subscribe.body.error.code).toBe('CUSTOMER_ARCHIVED');
    await api().post('/v1/usage').set('X-API-KEY', key).send({ customerId, featureId: 'feature-api-calls', value: 1 }).expect(404);
    await api().patch(`/v1/customers/${customerId}`).set('X-API-KEY', key).send({ name: 'Back' }).expect(404);
  });

  it('archiving twice is harmless: the second call answers the same and changes nothing; concurrent calls meet one run', async () => {
    const customerId = await newCustomer();
    await provision({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY' });
    const [first, second] = await Promise.all([archive(customerId).expect(200), archive(customerId).expect(200)]);
    expect(second.body).toEqual(first.body);
    const rowsBefore = await subscriptionRows(customerId);
    const customerBefore = await db().selectFrom('customers').selectAll().where('environment_id', '=', environmentId).where('id', '=', customerId).executeTakeFirstOrThrow();
    const eventsBefore = await outboxOf(customerId);
    expect(eventsBefore.filter((event) => event.event_type === 'customer.archived')).toHaveLength(1);

    const later = await archive(customerId).expect(200);
    expect(later.body).toEqual(first.body);
    expect(await subscriptionRows(customerId)).toEqual(rowsBefore);
    expect(await db().selectFrom('customers').selectAll().where('environment_id', '=', environmentId).where('id', '=', customerId).executeTakeFirstOrThrow()).toEqual(customerBefore);
    expect(await outboxOf(customerId)).toEqual(eventsBefore);
  });

  it('answers 404 for an unknown customer and starts no workflow', async () => {
    const answer = await archive('nobody-here').expect(404);
    expect(answer.body.error).toMatchObject({ code: 'NOT_FOUND', field: 'customerId' });
    await expect(harness.client.workflow.getHandle(workflowIds.archiveCustomer(environmentId, 'nobody-here')).describe()).rejects.toThrow();
  });

  it('a retried provisionCustomer (same Idempotency-Key) no longer brings back the removed personal data', async () => {
    const customerId = await newCustomer('provision-then-archive');
    await archive(customerId).expect(200);
    const replay = await api()
      .post('/v1/customers')
      .set('X-API-KEY', key)
      .set('Idempotency-Key', 'provision-then-archive')
      .send({ customerId, name: 'Ada Lovelace', email: `${customerId}@example.com`, metadata: { phone: '+44 20 7946 0000' }, subscriptionParams: null });
    expect(JSON.stringify(replay.body)).not.toMatch(/Ada Lovelace|example\.com|7946/);
  });

  it('ends a subscription whose workflow is gone (terminated by an operator) directly', async () => {
    const customerId = await newCustomer();
    const paid = (await provision({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY' })).body.subscription;
    await harness.client.workflow.getHandle(workflowIds.subscription(environmentId, paid.id)).terminate('operator test');
    await archive(customerId).expect(200);
    const [row] = await subscriptionRows(customerId);
    expect(row).toMatchObject({ id: paid.id, status: 'CANCELED', live_slot: null });
    const history = await db().selectFrom('subscription_history').select(['cause', 'cause_detail']).where('subscription_id', '=', paid.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(history).toMatchObject({ cause: 'API', cause_detail: 'archiveCustomer' });
  });
});
