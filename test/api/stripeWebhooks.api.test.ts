import { Client, Connection } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import pino from 'pino';
import Stripe from 'stripe';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/createApp';
import type { Db } from '../../src/db/createDb';
import { createDb } from '../../src/db/createDb';
import { createWorkflowClients } from '../../src/temporal/workflowClients';
import type { BillingEvent } from '../../src/workflows/definitions';
import { workflowIds } from '../../src/workflows/workflowIds';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { expectAnswersDocumented, recordAnswers } from '../support/documentedAnswers';
import { freePort } from '../support/freePort';
import { prepareSubscriptionCatalog } from '../support/subscriptionFixtures';
import { createTestEnvironment } from '../support/testEnvironment';

// POST /webhooks/stripe with the sandbox behind the real Stripe adapter, sending its signed events to the app.
let harness: ApiHarness;
let key: string;
let environmentId: string;

beforeAll(async () => {
  harness = await startApiHarness({ billing: 'stripe', webhooks: true });
  ({ apiKey: key, environmentId } = await createTestEnvironment(harness.database.db));
  await prepareSubscriptionCatalog(harness.database.db, environmentId, { client: harness.client, taskQueue: harness.taskQueue });
}, 120_000);
afterAll(async () => harness?.stop());

const answers = recordAnswers(() => harness.app);
const api = answers.api;
afterEach(async () => expectAnswersDocumented(harness.app, answers.takeAnswers()));

const nowSeconds = () => Math.floor(Date.now() / 1000);
let counter = 0;
const newEventId = () => `evt_test_${Date.now()}_${++counter}`;

// An event as Stripe shapes it (the parts Tollgate reads, and a few it does not).
function stripeEvent(type: string, object: Record<string, unknown>, created = nowSeconds()) {
  return { id: newEventId(), object: 'event', api_version: Stripe.API_VERSION, created, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type, data: { object } };
}
const sign = (payload: string, secret = harness.webhookSecret!, timestamp = nowSeconds()) => Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });

function postWebhook(payload: string, signature: string | undefined, app = harness.app) {
  const call = (app === harness.app ? api() : request(app)).post('/webhooks/stripe').set('Content-Type', 'application/json; charset=utf-8');
  return (signature === undefined ? call : call.set('Stripe-Signature', signature)).send(payload);
}
const deliver = (event: { id: string }, app = harness.app) => {
  const payload = JSON.stringify(event, null, 2);
  return postWebhook(payload, sign(payload), app);
};

const eventRow = (eventId: string) => harness.database.db.selectFrom('billing_webhook_events').selectAll().where('event_id', '=', eventId).executeTakeFirst();
const getSubscription = (id: string) => api().get(`/v1/subscriptions/${id}`).set('X-API-KEY', key).expect(200).then((r) => r.body);

async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const value = await read();
    if (check(value) || attempt > 300) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// The billingEvent signals the subscription's workflow received, and whether a workflow task ran after each.
async function billingSignals(subscriptionId: string): Promise<{ eventId: string; processed: boolean }[]> {
  const history = await harness.client.workflow.getHandle(workflowIds.subscription(environmentId, subscriptionId)).fetchHistory();
  const events = history.events ?? [];
  const signals: { eventId: string; processed: boolean }[] = [];
  for (const [index, event] of events.entries()) {
    const signaled = event.workflowExecutionSignaledEventAttributes;
    if (signaled?.signalName !== 'billingEvent') continue;
    const [billingEvent] = (await decodeArrayFromPayloads(harness.client.options.loadedDataConverter, signaled.input?.payloads)) as [BillingEvent];
    signals.push({ eventId: billingEvent.eventId, processed: events.slice(index + 1).some((later) => later.workflowTaskCompletedEventAttributes) });
  }
  return signals;
}
const processedByWorkflow = (subscriptionId: string, eventId: string) =>
  eventually(() => billingSignals(subscriptionId), (signals) => signals.some((s) => s.eventId === eventId && s.processed));

async function waitingCheckout() {
  const customerId = `webhooks-${++counter}`;
  await api().post('/v1/customers').set('X-API-KEY', key).send({ customerId, subscriptionParams: null }).expect(201);
  const checkoutOptions = { successUrl: 'https://app.example.com/welcome', cancelUrl: 'https://app.example.com/pricing' };
  const { body } = await api().post('/v1/subscriptions').set('X-API-KEY', key).send({ customerId, planId: 'plan-basic', billingPeriod: 'MONTHLY', checkoutOptions }).expect(201);
  expect(body.provisionStatus).toBe('PAYMENT_REQUIRED');
  const row = await harness.database.db.selectFrom('subscriptions').select('checkout_session_id').where('id', '=', body.subscription.id).executeTakeFirstOrThrow();
  return { subscriptionId: body.subscription.id as string, sessionId: row.checkout_session_id! };
}

// Pays the checkout in the sandbox; its signed webhooks make the subscription ACTIVE.
async function paidCheckout() {
  const waiting = await waitingCheckout();
  const session = harness.stripe!.completeCheckout(waiting.sessionId);
  await harness.stripe!.settleWebhooks();
  const active = await eventually(() => getSubscription(waiting.subscriptionId), (s) => s.status === 'ACTIVE');
  expect(active).toMatchObject({ status: 'ACTIVE', billingId: session.subscription });
  return { ...waiting, billingId: session.subscription as string, active };
}

const sandboxDelivery = (type: string, objectId: string) => {
  const found = harness.stripe!.webhookDeliveries.find((d) => d.type === type && (JSON.parse(d.payload) as { data: { object: { id: string } } }).data.object.id === objectId);
  if (!found) throw new Error(`the sandbox sent no ${type} for ${objectId}`);
  return { ...found, event: JSON.parse(found.payload) as ReturnType<typeof stripeEvent> };
};

// Another app on the same database and worker: without a webhook secret, or with Temporal or Postgres out of reach.
async function otherApp(options: { secret?: string; temporalAddress?: string; db?: Db }) {
  const client = options.temporalAddress
    ? new Client({ connection: Connection.lazy({ address: options.temporalAddress }), dataConverter: harness.client.options.dataConverter })
    : harness.client;
  return createApp({
    db: options.db ?? harness.database.db,
    workflows: createWorkflowClients(client, { taskQueue: harness.taskQueue, searchAttributes: false }),
    billingProvider: 'stripe',
    logger: pino({ level: 'silent' }),
    temporalHealthy: async () => true,
    stripeWebhookSecret: options.secret,
  });
}

describe('POST /webhooks/stripe: verification', () => {
  const unknownSubscriptionEvent = () => stripeEvent('customer.subscription.updated', { id: `sub_unknown${++counter}`, object: 'subscription', status: 'active', metadata: {} });

  it('refuses a missing, malformed or wrong signature, another secret, a stale timestamp and a changed body (400), recording nothing', async () => {
    const event = unknownSubscriptionEvent();
    const payload = JSON.stringify(event);
    const tampered = payload.replace('"active"', '"canceled"');
    const refused: [string, string, string | undefined][] = [
      ['missing header', payload, undefined],
      ['malformed header', payload, 'not-a-signature'],
      ['another secret', payload, sign(payload, 'whsec_someone_else')],
      ['stale timestamp', payload, sign(payload, harness.webhookSecret, nowSeconds() - 301)],
      ['changed body', tampered, sign(payload)],
    ];
    for (const [why, body, signature] of refused) {
      const answer = await postWebhook(body, signature);
      expect([why, answer.status, answer.body.error?.code]).toEqual([why, 400, 'WEBHOOK_SIGNATURE_INVALID']);
      expect(answer.body.error.field).toBe('Stripe-Signature');
    }
    expect(await eventRow(event.id)).toBeUndefined();

    // The same bytes, signed with the endpoint's secret, are accepted.
    expect((await postWebhook(payload, sign(payload))).status).toBe(200);
    expect(await eventRow(event.id)).toMatchObject({ event_type: 'customer.subscription.updated', outcome: 'unrouted' });
  });

  it('answers 503 WEBHOOKS_NOT_CONFIGURED without a secret, and 413 for a body over 1 MB', async () => {
    const event = unknownSubscriptionEvent();
    const unconfigured = await deliver(event, await otherApp({}));
    expect(unconfigured.status).toBe(503);
    expect(unconfigured.body.error.code).toBe('WEBHOOKS_NOT_CONFIGURED');
    expect(await eventRow(event.id)).toBeUndefined();

    const huge = JSON.stringify({ ...event, padding: 'x'.repeat(1024 * 1024) });
    const tooLarge = await postWebhook(huge, sign(huge));
    expect(tooLarge.status).toBe(413);
    expect(await eventRow(event.id)).toBeUndefined();
  });

  it('records events for unknown objects as unrouted and types Tollgate does not use as ignored (200, never a 5xx)', async () => {
    const unknown = [
      unknownSubscriptionEvent(),
      stripeEvent('checkout.session.completed', { id: 'cs_test_unknown', object: 'checkout.session', subscription: 'sub_nowhere', metadata: {} }),
      stripeEvent('invoice.paid', { id: 'in_unknown', object: 'invoice', parent: { type: 'subscription_details', subscription_details: { subscription: 'sub_nowhere', metadata: {} } } }),
      // Metadata naming a subscription whose workflow does not exist.
      stripeEvent('customer.subscription.deleted', { id: 'sub_elsewhere', object: 'subscription', metadata: { tollgate_environment: environmentId, tollgate_subscription_id: 'sub-none' } }),
    ];
    for (const event of unknown) {
      const answer = await deliver(event).expect(200);
      expect(answer.body).toEqual({ received: true, eventId: event.id, outcome: 'unrouted', duplicate: false });
      expect(await eventRow(event.id)).toMatchObject({ outcome: 'unrouted', handled_at: expect.any(Date) });
    }
    const attached = stripeEvent('payment_method.attached', { id: 'pm_unknown', object: 'payment_method', customer: 'cus_x' });
    expect((await deliver(attached).expect(200)).body.outcome).toBe('ignored');
    expect(await eventRow(attached.id)).toMatchObject({ event_type: 'payment_method.attached', object_id: 'pm_unknown', outcome: 'ignored', subscription_id: null });
  });
});

describe('POST /webhooks/stripe: delivery to the subscription', () => {
  it("a checkout paid in the sandbox reaches the subscription through the sandbox's signed webhooks: ACTIVE", { timeout: 60_000 }, async () => {
    const { subscriptionId, sessionId, billingId } = await paidCheckout();
    const completed = sandboxDelivery('checkout.session.completed', sessionId);
    expect(completed.attempts.at(-1)?.status).toBe(200);
    expect(await eventRow(completed.eventId)).toMatchObject({ outcome: 'delivered', environment_id: environmentId, subscription_id: subscriptionId, object_id: sessionId });
    // The subscription's own events are routed by their metadata (invoices by parent.subscription_details).
    expect(await eventRow(sandboxDelivery('customer.subscription.created', billingId).eventId)).toMatchObject({ outcome: 'delivered', subscription_id: subscriptionId });
    const invoiceId = (sandboxDelivery('checkout.session.completed', sessionId).event.data.object as { invoice: string }).invoice;
    expect(await eventRow(sandboxDelivery('invoice.paid', invoiceId).eventId)).toMatchObject({ outcome: 'delivered', subscription_id: subscriptionId });
    expect(harness.stripe!.webhookDeliveries.filter((d) => d.state !== 'delivered')).toEqual([]);
  });

  it('applies a redelivered event once: 200, duplicate, no second signal', { timeout: 60_000 }, async () => {
    const { subscriptionId, sessionId } = await paidCheckout();
    const completed = sandboxDelivery('checkout.session.completed', sessionId);
    const again = await postWebhook(completed.payload, sign(completed.payload)).expect(200);
    expect(again.body).toEqual({ received: true, eventId: completed.eventId, outcome: 'delivered', duplicate: true });
    expect((await billingSignals(subscriptionId)).filter((s) => s.eventId === completed.eventId)).toHaveLength(1);
  });

  it('never lets an older event overwrite newer state', { timeout: 60_000 }, async () => {
    const { subscriptionId, sessionId, billingId } = await paidCheckout();
    const completedAt = sandboxDelivery('checkout.session.completed', sessionId).event.created;
    // The session's expiry, sent before its payment, arriving after it: the paid subscription stays ACTIVE.
    const staleExpiry = stripeEvent('checkout.session.expired', { id: sessionId, object: 'checkout.session', status: 'expired', subscription: null, metadata: { tollgate_environment: environmentId, tollgate_subscription_id: subscriptionId } }, completedAt - 60);
    expect((await deliver(staleExpiry).expect(200)).body.outcome).toBe('delivered');
    await processedByWorkflow(subscriptionId, staleExpiry.id);
    expect(await getSubscription(subscriptionId)).toMatchObject({ status: 'ACTIVE', billingId });

    // Ended at Stripe; an update from before the end, arriving late, does not bring it back.
    await harness.stripe!.client().subscriptions.cancel(billingId);
    await harness.stripe!.settleWebhooks();
    const canceled = await eventually(() => getSubscription(subscriptionId), (s) => s.status === 'CANCELED');
    expect(canceled).toMatchObject({ status: 'CANCELED', endReason: 'PROVIDER_ENDED' });
    await harness.client.workflow.getHandle(workflowIds.subscription(environmentId, subscriptionId)).result();
    const deletedAt = sandboxDelivery('customer.subscription.deleted', billingId).event.created;
    const lateUpdate = stripeEvent('customer.subscription.updated', { id: billingId, object: 'subscription', status: 'active', metadata: { tollgate_environment: environmentId, tollgate_subscription_id: subscriptionId } }, deletedAt - 30);
    expect((await deliver(lateUpdate).expect(200)).body.outcome).toBe('unrouted');
    expect(await getSubscription(subscriptionId)).toMatchObject({ status: 'CANCELED', endReason: 'PROVIDER_ENDED' });
  });

  it('routes events without Tollgate metadata by the Stripe ids Tollgate stored (checkout session, subscription)', { timeout: 60_000 }, async () => {
    const paid = await paidCheckout();
    const failedPayment = stripeEvent('invoice.payment_failed', { id: `in_bare${++counter}`, object: 'invoice', parent: { type: 'subscription_details', subscription_details: { subscription: paid.billingId, metadata: {} } } });
    expect((await deliver(failedPayment).expect(200)).body.outcome).toBe('delivered');
    expect(await eventRow(failedPayment.id)).toMatchObject({ environment_id: environmentId, subscription_id: paid.subscriptionId, object_id: failedPayment.data.object.id });

    const waiting = await waitingCheckout();
    const expired = stripeEvent('checkout.session.expired', { id: waiting.sessionId, object: 'checkout.session', status: 'expired', subscription: null, metadata: {} });
    expect((await deliver(expired).expect(200)).body.outcome).toBe('delivered');
    expect(await eventRow(expired.id)).toMatchObject({ subscription_id: waiting.subscriptionId });
    expect(await eventually(() => getSubscription(waiting.subscriptionId), (s) => s.status === 'EXPIRED')).toMatchObject({ status: 'EXPIRED', endReason: 'CHECKOUT_EXPIRED' });
  });

  it('answers 503 while Temporal or Postgres is unreachable, leaving the event for the redelivery to apply', { timeout: 60_000 }, async () => {
    const { subscriptionId, sessionId } = await waitingCheckout();
    const expired = stripeEvent('checkout.session.expired', { id: sessionId, object: 'checkout.session', status: 'expired', subscription: null, metadata: { tollgate_environment: environmentId, tollgate_subscription_id: subscriptionId } });

    const unreachableDb = createDb(`postgres://tollgate@127.0.0.1:${await freePort()}/none`);
    const databaseDown = await deliver(expired, await otherApp({ secret: harness.webhookSecret, db: unreachableDb }));
    await unreachableDb.destroy();
    expect([databaseDown.status, databaseDown.body.error.code]).toEqual([503, 'DATABASE_UNAVAILABLE']);
    const temporalDown = await deliver(expired, await otherApp({ secret: harness.webhookSecret, temporalAddress: `127.0.0.1:${await freePort()}` }));
    expect([temporalDown.status, temporalDown.body.error.code]).toEqual([503, 'WORKFLOW_ENGINE_UNAVAILABLE']);
    expect(await eventRow(expired.id)).toMatchObject({ outcome: null, handled_at: null });
    expect((await getSubscription(subscriptionId)).status).toBe('PAYMENT_PENDING');

    // Stripe retries: the event is applied now.
    expect((await deliver(expired).expect(200)).body).toMatchObject({ outcome: 'delivered', duplicate: false });
    expect(await eventually(() => getSubscription(subscriptionId), (s) => s.status === 'EXPIRED')).toMatchObject({ status: 'EXPIRED', endReason: 'CHECKOUT_EXPIRED' });
  });
});
