// /v1/events: every change the sandbox makes is recorded as a Stripe Event, which webhooks then deliver.
import Stripe from 'stripe';
import { newId, noSuch, only, paginate, str, type RequestInfo, type Route, type RouteContext, type Store, type StoredObject } from './params';

/** Records `type` for `object` (as it is after the change) and hands it to webhook delivery. */
export function recordEvent(
  store: Store,
  request: RequestInfo,
  type: string,
  object: StoredObject,
  previousAttributes?: Record<string, unknown>,
): StoredObject {
  const event: StoredObject = {
    id: newId('evt', 24), object: 'event', api_version: Stripe.API_VERSION, created: store.nowSeconds(),
    data: { object: structuredClone(object), ...(previousAttributes ? { previous_attributes: structuredClone(previousAttributes) } : {}) },
    livemode: false, pending_webhooks: store.countWebhookEndpoints(),
    request: { id: request.id, idempotency_key: request.idempotencyKey }, type,
  };
  store.events.set(event.id, event);
  store.onEvent(event);
  return event;
}

// Stripe's `type` filter takes one `*` wildcard, e.g. `customer.subscription.*`.
function typeMatcher(pattern: string | undefined): (type: unknown) => boolean {
  if (pattern === undefined) return () => true;
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return (type) => typeof type === 'string' && regex.test(type);
}

function listEvents({ store, body }: RouteContext): unknown {
  only(body, ['ending_before', 'expand', 'limit', 'starting_after', 'type', 'types'], undefined, ['created', 'delivery_success']);
  const matchesType = typeMatcher(str(body, 'type'));
  const types = body.types;
  const allowed = Array.isArray(types) ? types.filter((t): t is string => typeof t === 'string') : undefined;
  const all = [...store.events.values()].filter((e) => matchesType(e.type) && (!allowed || allowed.includes(String(e.type))));
  return paginate(all, body, '/v1/events', 'event');
}

function retrieve({ store, id, body }: RouteContext): StoredObject {
  only(body, ['expand']);
  const event = store.events.get(id);
  if (!event) throw noSuch('event', id);
  return structuredClone(event);
}

export const eventRoutes: readonly Route[] = [
  ['GET', '/v1/events', listEvents],
  ['GET', '/v1/events/:id', retrieve],
];
