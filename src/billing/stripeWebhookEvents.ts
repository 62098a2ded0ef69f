import Stripe from 'stripe';
import type { ProviderInvoice } from '../domain/subscriptions/subscription';
import type { BillingEvent } from '../workflows/definitions';

// A webhook whose Stripe-Signature does not prove it came from Stripe, unchanged, recently, for this endpoint's secret.
export class WebhookSignatureInvalid extends Error {}

// Checks the signature over the exact bytes received (Stripe's 300 s tolerance) and parses the event.
export function verifyStripeWebhook(rawBody: Buffer, signatureHeader: string | undefined, secret: string): Stripe.Event {
  if (!signatureHeader) throw new WebhookSignatureInvalid('no Stripe-Signature header');
  try {
    return Stripe.webhooks.constructEvent(rawBody, signatureHeader, secret);
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) throw new WebhookSignatureInvalid(error.message);
    // A valid signature over a body that is not JSON (Stripe never sends one).
    if (error instanceof SyntaxError) throw new WebhookSignatureInvalid(`the signed body is not a JSON event: ${error.message}`);
    throw error;
  }
}

// The event types a subscription's workflow uses; any other type is recorded and ignored.
const SUBSCRIPTION_EVENT_TYPES = new Set([
  'checkout.session.completed',
  'checkout.session.expired',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.paid',
  'invoice.payment_failed',
]);

// What the route needs of an event: the workflow's message, and how to find the Tollgate subscription it is about.
export type ReceivedStripeEvent = {
  event: BillingEvent;
  // False for a type Tollgate does not act on: recorded, never routed.
  used: boolean;
  // From the object's metadata (Tollgate puts it on every checkout session and subscription it creates).
  tollgate: { environmentId: string; subscriptionId: string } | null;
  // When the metadata is missing: the ids Tollgate stores (subscriptions.checkout_session_id, billing_id).
  checkoutSessionId: string | null;
};

type StripeObject = { id?: unknown; metadata?: unknown };
const idOf = (value: unknown): string | null => {
  if (typeof value === 'string' && value !== '') return value;
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string') return (value as { id: string }).id;
  return null;
};

function tollgateIdsIn(metadata: unknown): ReceivedStripeEvent['tollgate'] {
  if (!metadata || typeof metadata !== 'object') return null;
  const { tollgate_environment: environmentId, tollgate_subscription_id: subscriptionId } = metadata as Record<string, unknown>;
  if (typeof environmentId !== 'string' || typeof subscriptionId !== 'string' || environmentId === '' || subscriptionId === '') return null;
  return { environmentId, subscriptionId };
}

// The object's own id, the Stripe subscription it belongs to, and the metadata that names Tollgate's subscription.
function linksOf(type: string, object: StripeObject): { subscriptionBillingId: string | null; metadata: unknown; checkoutSessionId: string | null } {
  if (type.startsWith('checkout.session.')) {
    const session = object as StripeObject & { subscription?: unknown };
    return { subscriptionBillingId: idOf(session.subscription), metadata: session.metadata, checkoutSessionId: idOf(object.id) };
  }
  if (type.startsWith('customer.subscription.')) return { subscriptionBillingId: idOf(object.id), metadata: object.metadata, checkoutSessionId: null };
  if (type.startsWith('invoice.')) {
    // Since API 2025-03-31 an invoice names its subscription (and that subscription's metadata) under parent.subscription_details.
    const details = (object as { parent?: { subscription_details?: { subscription?: unknown; metadata?: unknown } | null } | null }).parent?.subscription_details;
    return { subscriptionBillingId: idOf(details?.subscription), metadata: details?.metadata, checkoutSessionId: null };
  }
  return { subscriptionBillingId: null, metadata: null, checkoutSessionId: null };
}

// An invoice event's invoice, as the subscription shows it (its last invoice).
function invoiceOf(type: string, object: StripeObject): ProviderInvoice | undefined {
  if (!type.startsWith('invoice.')) return undefined;
  const invoice = object as { id?: unknown; status?: unknown; amount_due?: unknown; amount_paid?: unknown; currency?: unknown; hosted_invoice_url?: unknown; created?: unknown };
  const whole = (value: unknown) => (typeof value === 'number' && Number.isInteger(value) ? value : 0);
  return {
    id: idOf(invoice.id) ?? '',
    status: typeof invoice.status === 'string' ? invoice.status : 'unknown',
    amountDue: whole(invoice.amount_due),
    amountPaid: whole(invoice.amount_paid),
    currency: typeof invoice.currency === 'string' ? invoice.currency : '',
    hostedInvoiceUrl: typeof invoice.hosted_invoice_url === 'string' ? invoice.hosted_invoice_url : null,
    created: new Date(whole(invoice.created) * 1000).toISOString(),
  };
}

export function readStripeEvent(event: Stripe.Event): ReceivedStripeEvent {
  const object = (event.data?.object ?? {}) as StripeObject;
  const used = SUBSCRIPTION_EVENT_TYPES.has(event.type);
  const links = used ? linksOf(event.type, object) : { subscriptionBillingId: null, metadata: null, checkoutSessionId: null };
  const invoice = used ? invoiceOf(event.type, object) : undefined;
  return {
    event: { eventId: event.id, type: event.type, created: event.created, objectId: idOf(object.id) ?? '', subscriptionBillingId: links.subscriptionBillingId, ...(invoice && { invoice }) },
    used,
    tollgate: tollgateIdsIn(links.metadata),
    checkoutSessionId: links.checkoutSessionId,
  };
}
