import { readStripeEvent, verifyStripeWebhook, WebhookSignatureInvalid, type ReceivedStripeEvent } from '../../billing/stripeWebhookEvents';
import type { Db } from '../../db/createDb';
import { markWebhookEventHandled, recordWebhookEvent, type WebhookOutcome } from '../../db/repositories/billingWebhookEvents.repository';
import { findSubscriptionByBillingId, findSubscriptionByCheckoutSession } from '../../db/repositories/subscriptions.repository';
import type { AppDependencies } from '../appDependencies';
import { HttpError } from '../httpError';
import type { Operation, RouteRegistry } from '../routeRegistry';
import { errorAnswer } from '../schemas/errors.schemas';
import { stripeEventSchema, webhookReceiptSchema } from '../schemas/webhooks.schemas';
import { parseInput } from '../validate';

const stripeWebhookOperation = {
  method: 'post',
  path: '/webhooks/stripe',
  summary: "Stripe webhooks: signature verified with STRIPE_WEBHOOK_SECRET, each event recorded once and handed to its subscription's workflow",
  open: true,
  // The bytes stay as received: the handler verifies their signature before anything reads them.
  body: { schema: stripeEventSchema, accepts: 'signedRaw', read: async (raw: unknown) => raw },
  responses: {
    200: { description: 'Recorded (and delivered, when it concerns a live Tollgate subscription); a redelivery applies nothing again', schema: webhookReceiptSchema },
    400: errorAnswer('`WEBHOOK_SIGNATURE_INVALID`: missing or wrong Stripe-Signature, another secret, a stale timestamp or a changed body; nothing recorded'),
    413: errorAnswer('The body is larger than 1 MB'),
    503: errorAnswer('`WEBHOOKS_NOT_CONFIGURED` (no STRIPE_WEBHOOK_SECRET), or Postgres or Temporal is unavailable: Stripe retries, and the retry applies the event'),
  },
} satisfies Operation;

type Target = { environmentId: string; subscriptionId: string };

// The Tollgate subscription an event is about: named in the object's metadata, else found by the Stripe ids Tollgate stored.
async function findTarget(db: Db, received: ReceivedStripeEvent): Promise<Target | null> {
  if (received.tollgate) return received.tollgate;
  const { subscriptionBillingId } = received.event;
  const found =
    (subscriptionBillingId ? await findSubscriptionByBillingId(db, subscriptionBillingId) : undefined) ??
    (received.checkoutSessionId ? await findSubscriptionByCheckoutSession(db, received.checkoutSessionId) : undefined);
  return found ? { environmentId: found.environment_id, subscriptionId: found.id } : null;
}

export function webhooksRoutes({ db, workflows, stripeWebhookSecret }: AppDependencies, { route }: RouteRegistry): void {
  // Only records and signals, so Stripe gets its answer fast; the subscription's workflow does the work.
  route(stripeWebhookOperation, async (_input, res, req) => {
    if (!stripeWebhookSecret) {
      throw new HttpError(503, 'WEBHOOKS_NOT_CONFIGURED', 'Stripe webhooks are not configured on this server: set STRIPE_WEBHOOK_SECRET to the endpoint\'s signing secret');
    }
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let verified;
    try {
      verified = verifyStripeWebhook(rawBody, req.header('stripe-signature'), stripeWebhookSecret);
    } catch (error) {
      if (error instanceof WebhookSignatureInvalid) throw new HttpError(400, 'WEBHOOK_SIGNATURE_INVALID', `the webhook signature is not valid: ${error.message}`, 'Stripe-Signature');
      throw error;
    }
    parseInput(stripeEventSchema, verified);
    const received = readStripeEvent(verified);
    const { event } = received;

    const recorded = await recordWebhookEvent(db, { eventId: event.eventId, type: event.type, objectId: event.objectId || null, created: new Date(event.created * 1000) });
    if (recorded.handled_at) {
      return void res.json({ received: true, eventId: event.eventId, outcome: recorded.outcome ?? 'unrouted', duplicate: true });
    }

    let outcome: WebhookOutcome = 'ignored';
    const target = received.used ? await findTarget(db, received) : null;
    if (received.used) {
      // A workflow that already ended (or never ran here) has nothing to apply: recorded, unrouted.
      const delivered = target !== null && (await workflows.subscriptions.deliverBillingEvent(target.environmentId, target.subscriptionId, event));
      outcome = delivered ? 'delivered' : 'unrouted';
    }
    await markWebhookEventHandled(db, event.eventId, outcome, target);
    res.json({ received: true, eventId: event.eventId, outcome, duplicate: false });
  });
}
