// /v1/checkout/sessions in subscription mode: create (with Stripe's validation), retrieve, list, expire, lazy expiry.
import { invoiceTotals } from './amounts';
import { checkDiscounts, parseDiscounts } from './discounts';
import { recordEvent } from './events';
import type { FormObject } from './form';
import {
  applyMetadata, bool, checkExpand, hash, hashList, int, invalid, listExpand, newId, noSuch, nonEmpty, nullableStr, only, oneOf, paginate, str,
  type RequestInfo, type Route, type RouteContext, type SandboxObject, type Store,
} from './params';
import { checkItemPrices, pricedLines, type SubscriptionItemSpec } from './subscriptionModel';
import { trialEnd } from './subscriptions';
import { taxRateList } from './taxRates';

const CREATE_PARAMS = [
  'allow_promotion_codes', 'billing_address_collection', 'cancel_url', 'client_reference_id', 'customer', 'customer_email', 'customer_update',
  'discounts', 'expand', 'expires_at', 'line_items', 'metadata', 'mode', 'phone_number_collection', 'subscription_data', 'success_url',
  'tax_id_collection',
];
const UNMODELED = [
  'adaptive_pricing', 'after_expiration', 'allowed_payment_method_types', 'automatic_tax', 'branding_settings', 'consent_collection',
  'currency', 'custom_fields', 'custom_text', 'customer_account', 'customer_creation', 'excluded_payment_method_types', 'integration_identifier',
  'invoice_creation', 'locale', 'managed_payments', 'name_collection', 'optional_items', 'origin_context', 'payment_intent_data',
  'payment_method_collection', 'payment_method_configuration', 'payment_method_data', 'payment_method_options', 'payment_method_types',
  'permissions', 'redirect_on_completion', 'return_url', 'saved_payment_method_options', 'setup_intent_data', 'shipping_address_collection',
  'shipping_options', 'submit_type', 'ui_mode', 'wallet_options',
];
const SUBSCRIPTION_DATA = ['default_tax_rates', 'description', 'metadata', 'trial_end', 'trial_period_days'];
const SUBSCRIPTION_DATA_UNMODELED = [
  'application_fee_percent', 'billing_cycle_anchor', 'billing_cycle_anchor_config', 'billing_mode', 'invoice_settings', 'on_behalf_of',
  'pending_invoice_item_interval', 'proration_behavior', 'transfer_data', 'trial_settings',
];
const EXPANDABLE = ['customer', 'line_items', 'subscription', 'invoice'];
const MIN_LIFETIME = 30 * 60;
const MAX_LIFETIME = 24 * 60 * 60;

/** What the sandbox keeps beside the Stripe-shaped session to complete it later; never part of an API answer. */
export interface SessionPlan {
  items: Array<{ price: string; quantity: number }>;
  discounts: Array<{ coupon?: string; promotion_code?: string }>;
  subscriptionData: { default_tax_rates: string[]; description: string | null; metadata: Record<string, string>; trial_end: number | null };
}

export const sessionPlan = (session: SandboxObject): SessionPlan => session.sandbox_plan as SessionPlan;

export function getSession(store: Store, id: string): SandboxObject {
  const session = store.checkoutSessions.get(id);
  if (!session) throw noSuch('checkout.session', id);
  return session;
}

/** Open sessions whose expires_at passed become expired (Stripe expires them on its own), recording checkout.session.expired. */
export function expireDueSessions(store: Store): boolean {
  const now = store.nowSeconds();
  let changed = false;
  for (const session of store.checkoutSessions.values()) {
    if (session.status === 'open' && Number(session.expires_at) <= now) {
      expireSession(store, session, { id: null, idempotencyKey: null });
      changed = true;
    }
  }
  return changed;
}

function expireSession(store: Store, session: SandboxObject, request: RequestInfo): SandboxObject {
  const next: SandboxObject = { ...session, status: 'expired' };
  store.checkoutSessions.set(session.id, next);
  recordEvent(store, request, 'checkout.session.expired', publicSession(next));
  return next;
}

/** The session as the API shows it: no sandbox bookkeeping, line_items only when expanded. */
export function publicSession(session: SandboxObject): SandboxObject {
  const { sandbox_plan: _plan, line_items: _items, ...rest } = structuredClone(session);
  return rest as SandboxObject;
}

export function viewSession(store: Store, session: SandboxObject, expand: readonly string[]): SandboxObject {
  const out = publicSession(session);
  if (expand.includes('line_items')) out.line_items = structuredClone(session.line_items);
  if (expand.includes('customer') && session.customer) out.customer = structuredClone(store.customers.get(String(session.customer)) ?? session.customer);
  if (expand.includes('subscription') && session.subscription) out.subscription = structuredClone(store.subscriptions.get(String(session.subscription)) ?? session.subscription);
  if (expand.includes('invoice') && session.invoice) out.invoice = structuredClone(store.invoices.get(String(session.invoice)) ?? session.invoice);
  return out;
}

function lineItems(store: Store, body: FormObject): SubscriptionItemSpec[] {
  const list = hashList(body, 'line_items');
  if (!list || list.length === 0) throw invalid('Missing required param: line_items.', { code: 'parameter_missing', param: 'line_items' });
  return list.map((item, i) => {
    const at = `line_items[${i}]`;
    only(item, ['price', 'quantity'], at, ['adjustable_quantity', 'metadata', 'price_data', 'tax_rates']);
    const priceId = nonEmpty(item, 'price', at);
    if (priceId === undefined) throw invalid(`Missing required param: ${at}[price].`, { code: 'parameter_missing', param: `${at}[price]` });
    const price = store.prices.get(priceId);
    if (!price) throw noSuch('price', priceId, `${at}[price]`);
    const quantity = int(item, 'quantity', at) ?? 1;
    if (quantity < 1) throw invalid(`Invalid ${at}[quantity]: must be at least 1`, { param: `${at}[quantity]` });
    return { price, quantity, metadata: {}, param: `${at}[price]` };
  });
}

function enabledFlag(body: FormObject, key: string): { enabled: boolean } {
  const h = hash(body, key);
  if (!h) return { enabled: false };
  only(h, ['enabled'], key, key === 'tax_id_collection' ? ['required'] : []);
  const enabled = bool(h, 'enabled', key);
  if (enabled === undefined) throw invalid(`Missing required param: ${key}[enabled].`, { code: 'parameter_missing', param: `${key}[enabled]` });
  return { enabled };
}

function create({ store, body, expand, publicUrl }: RouteContext): SandboxObject {
  only(body, CREATE_PARAMS, undefined, UNMODELED);
  checkExpand(expand, EXPANDABLE);
  const mode = oneOf(body, 'mode', ['payment', 'setup', 'subscription']);
  if (mode === undefined) throw invalid('Missing required param: mode.', { code: 'parameter_missing', param: 'mode' });
  if (mode !== 'subscription') throw invalid(`the Stripe sandbox only models subscription-mode Checkout Sessions, not mode=${mode}`, { code: 'sandbox_unsupported', param: 'mode' });
  const customerId = nonEmpty(body, 'customer');
  const customerEmail = nonEmpty(body, 'customer_email');
  if (customerId !== undefined && customerEmail !== undefined) throw invalid('You may only specify one of these parameters: customer, customer_email.', { param: 'customer_email' });
  if (customerId !== undefined && !store.customers.has(customerId)) throw noSuch('customer', customerId, 'customer');
  const update = hash(body, 'customer_update');
  if (update && customerId === undefined) throw invalid('customer_update can only be used with customer.', { param: 'customer_update' });
  if (update) {
    only(update, ['address', 'name', 'shipping'], 'customer_update');
    for (const key of ['address', 'name', 'shipping']) oneOf(update, key, ['auto', 'never'], 'customer_update');
  }
  const items = lineItems(store, body);
  const { currency } = checkItemPrices(items, 'line_items');
  const allowPromotionCodes = bool(body, 'allow_promotion_codes');
  if (allowPromotionCodes !== undefined && body.discounts !== undefined) {
    throw invalid('You may only specify one of these parameters: allow_promotion_codes, discounts.', { param: 'discounts' });
  }
  const discounts = parseDiscounts(store, body, 'discounts', undefined, 1);
  const data = hash(body, 'subscription_data') ?? {};
  only(data, SUBSCRIPTION_DATA, 'subscription_data', SUBSCRIPTION_DATA_UNMODELED);
  const taxRates = taxRateList(store, data.default_tax_rates, 'subscription_data[default_tax_rates]');
  const trial = trialEnd(store, data, 'subscription_data', 48 * 60 * 60);
  const lines = pricedLines(items);
  checkDiscounts(store, discounts, { customerId: customerId ?? null, currency, subtotal: lines.reduce((sum, l) => sum + l.amount, 0) });
  const now = store.nowSeconds();
  const expiresAt = int(body, 'expires_at') ?? now + MAX_LIFETIME;
  if (expiresAt < now + MIN_LIFETIME) throw invalid('The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.', { param: 'expires_at' });
  if (expiresAt > now + MAX_LIFETIME) throw invalid('The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.', { param: 'expires_at' });
  const successUrl = nonEmpty(body, 'success_url');
  const cancelUrl = nonEmpty(body, 'cancel_url');
  for (const [param, url] of [['success_url', successUrl], ['cancel_url', cancelUrl]] as const) {
    if (url !== undefined && !/^https?:\/\/\S+$/.test(url)) throw invalid(`Not a valid URL`, { code: 'url_invalid', param });
  }
  // Due today: nothing during a trial; otherwise the first invoice.
  const dueLines = trial === null ? lines : lines.map((l) => ({ ...l, amount: 0 }));
  const totals = invoiceTotals(dueLines, discounts.map((d, i) => ({ id: `discount_${i}`, coupon: d.coupon })), taxRates);
  const id = newId('cs_test', 58);
  const lineObjects = items.map((item, i) => {
    const lineTotals = totals.lines[i];
    const discount = lineTotals?.discountAmounts.reduce((sum, d) => sum + d.amount, 0) ?? 0;
    const taxes = lineTotals?.taxes ?? [];
    const exclusive = taxes.filter((t) => t.tax_behavior === 'exclusive').reduce((sum, t) => sum + Number(t.amount), 0);
    const subtotal = dueLines[i]?.amount ?? 0;
    return {
      id: newId('li', 24), object: 'item', adjustable_quantity: null, amount_discount: discount, amount_subtotal: subtotal,
      amount_tax: taxes.reduce((sum, t) => sum + Number(t.amount), 0), amount_total: subtotal - discount + exclusive, currency,
      description: String(store.products.get(String(item.price.product))?.name ?? item.price.product), metadata: {},
      price: (({ tiers: _t, currency_options: _c, ...price }) => price)(structuredClone(item.price)), quantity: item.quantity,
    };
  });
  const phone = enabledFlag(body, 'phone_number_collection');
  const taxIds = enabledFlag(body, 'tax_id_collection');
  const session: SandboxObject = {
    id, object: 'checkout.session', adaptive_pricing: null, after_expiration: null, allow_promotion_codes: allowPromotionCodes ?? null,
    allowed_payment_method_types: null, amount_subtotal: totals.subtotal, amount_total: totals.total,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: oneOf(body, 'billing_address_collection', ['auto', 'required']) ?? null, cancel_url: cancelUrl ?? null,
    client_reference_id: nullableStr(body, 'client_reference_id') ?? null, client_secret: null, collected_information: null, consent: null,
    consent_collection: null, created: now, currency, currency_conversion: null, custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: customerId ?? null, customer_account: null, customer_creation: customerId === undefined ? 'always' : null,
    customer_details: customerEmail === undefined ? null : { address: null, business_name: null, email: customerEmail, individual_name: null, name: null, phone: null, tax_exempt: 'none', tax_ids: null },
    customer_email: customerEmail ?? null,
    discounts: discounts.map((d) => ({ coupon: d.promotionCode ? null : d.coupon.id, promotion_code: d.promotionCode?.id ?? null })),
    expires_at: expiresAt, integration_identifier: null, invoice: null, invoice_creation: null, line_items: {
      object: 'list', data: lineObjects, has_more: false, url: `/v1/checkout/sessions/${id}/line_items`,
    }, livemode: false, locale: null, managed_payments: null, metadata: applyMetadata({}, body), mode, origin_context: null,
    payment_intent: null, payment_link: null, payment_method_collection: 'always', payment_method_configuration_details: null,
    payment_method_options: null, payment_method_types: ['card'], payment_status: 'unpaid', permissions: null, phone_number_collection: phone,
    recovered_from: null, saved_payment_method_options: null, setup_intent: null, shipping_address_collection: null, shipping_cost: null,
    shipping_options: [], status: 'open', submit_type: null, subscription: null, success_url: successUrl ?? null,
    tax_id_collection: { ...taxIds, required: 'never' },
    total_details: { amount_discount: totals.discountAmounts.reduce((sum, d) => sum + d.amount, 0), amount_shipping: 0, amount_tax: totals.tax },
    ui_mode: 'hosted_page', url: `${publicUrl}/checkout/${id}`, wallet_options: null,
    sandbox_plan: {
      items: items.map((i) => ({ price: i.price.id, quantity: i.quantity })),
      discounts: discounts.map((d) => (d.promotionCode ? { promotion_code: d.promotionCode.id } : { coupon: d.coupon.id })),
      subscriptionData: {
        default_tax_rates: taxRates.map((r) => r.id), description: nullableStr(data, 'description', 'subscription_data') ?? null,
        metadata: applyMetadata({}, data), trial_end: trial,
      },
    } satisfies SessionPlan,
  };
  store.checkoutSessions.set(id, session);
  return viewSession(store, session, expand);
}

function expire({ store, id, body, expand, request }: RouteContext): SandboxObject {
  only(body, ['expand']);
  checkExpand(expand, EXPANDABLE);
  const session = getSession(store, id);
  if (session.status !== 'open') {
    throw invalid(`Only Checkout Sessions with a status in ["open"] can be expired. This session has status "${String(session.status)}".`, { param: 'session' });
  }
  return viewSession(store, expireSession(store, session, request), expand);
}

function list({ store, body, expand }: RouteContext): unknown {
  only(body, ['customer', 'ending_before', 'expand', 'limit', 'starting_after', 'status', 'subscription'], undefined, ['created', 'customer_account', 'customer_details', 'payment_intent', 'payment_link']);
  const customer = str(body, 'customer');
  const status = oneOf(body, 'status', ['complete', 'expired', 'open']);
  const subscription = str(body, 'subscription');
  const all = [...store.checkoutSessions.values()].filter((s) => (customer === undefined || s.customer === customer)
    && (status === undefined || s.status === status) && (subscription === undefined || s.subscription === subscription));
  const page = paginate(all, body, '/v1/checkout/sessions', 'checkout.session');
  const inner = listExpand(expand);
  checkExpand(inner, EXPANDABLE);
  return { ...page, data: page.data.map((s) => viewSession(store, s, inner)) };
}

export const checkoutSessionRoutes: readonly Route[] = [
  ['POST', '/v1/checkout/sessions', create],
  ['GET', '/v1/checkout/sessions', list],
  ['GET', '/v1/checkout/sessions/:id', ({ store, id, body, expand }) => (only(body, ['expand']), checkExpand(expand, EXPANDABLE), viewSession(store, getSession(store, id), expand))],
  ['POST', '/v1/checkout/sessions/:id/expire', expire],
  ['GET', '/v1/checkout/sessions/:id/line_items', ({ store, id, body }) => {
    only(body, ['ending_before', 'expand', 'limit', 'starting_after']);
    return structuredClone(getSession(store, id).line_items);
  }],
];
