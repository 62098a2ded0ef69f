// /v1/payment_methods: card PaymentMethods, Stripe's test-mode magic ids (pm_card_visa, ...) and attaching to customers.
import { createHash } from 'node:crypto';
import type { FormObject } from './form';
import { recordEvent } from './events';
import {
  EMPTY_ADDRESS, SandboxError, address, applyMetadata, hash, invalid, newId, noSuch, nonEmpty, nullableStr, only, required,
  type SandboxObject, type Route, type RouteContext, type Store,
} from './params';

interface Decline {
  code: string;
  decline_code?: string;
  message: string;
  param?: string;
}

interface TestCard {
  brand: string;
  last4: string;
  funding: string;
  country: string;
  /** Set for cards whose verification at attach time fails, as Stripe's declining test cards do. */
  decline?: Decline;
  /** Set for cards that attach fine but whose charges fail (Stripe's 4000000000000341). */
  chargeDecline?: Decline;
}

const declined = (declineCode: string): Decline => ({ code: 'card_declined', decline_code: declineCode, message: 'Your card was declined.' });
const visa = (last4: string, decline?: Decline): TestCard => ({ brand: 'visa', last4, funding: 'credit', country: 'US', ...(decline ? { decline } : {}) });

// Stripe's test cards, keyed by the <name> in `pm_card_<name>` and `tok_<name>`. A Map, so `pm_card_constructor` finds nothing.
const TEST_CARDS = new Map<string, TestCard>([
  ['visa', visa('4242')],
  ['visa_debit', { brand: 'visa', last4: '5556', funding: 'debit', country: 'US' }],
  ['mastercard', { brand: 'mastercard', last4: '4444', funding: 'credit', country: 'US' }],
  ['mastercard_debit', { brand: 'mastercard', last4: '8210', funding: 'debit', country: 'US' }],
  ['mastercard_prepaid', { brand: 'mastercard', last4: '5100', funding: 'prepaid', country: 'US' }],
  ['amex', { brand: 'amex', last4: '8431', funding: 'credit', country: 'US' }],
  ['discover', { brand: 'discover', last4: '1117', funding: 'credit', country: 'US' }],
  // Attaches fine; only later charges (a subscription's invoice) fail.
  ['chargeCustomerFail', { ...visa('0341'), chargeDecline: declined('generic_decline') }],
  ['chargeDeclined', visa('0002', declined('generic_decline'))],
  ['chargeDeclinedInsufficientFunds', visa('9995', declined('insufficient_funds'))],
  ['chargeDeclinedLostCard', visa('9987', declined('lost_card'))],
  ['chargeDeclinedStolenCard', visa('9979', declined('stolen_card'))],
  ['chargeDeclinedExpiredCard', visa('0069', { code: 'expired_card', message: 'Your card has expired.', param: 'exp_month' })],
  ['chargeDeclinedIncorrectCvc', visa('0127', { code: 'incorrect_cvc', message: "Your card's security code is incorrect.", param: 'cvc' })],
  ['chargeDeclinedProcessingError', visa('0119', {
    code: 'processing_error', message: 'An error occurred while processing your card. Try again in a little bit.',
  })],
]);

/** Stable per card number, like Stripe's fingerprint; also how a stored pm finds its test card's behaviour again. */
const fingerprint = (card: TestCard): string =>
  createHash('sha256').update(`${card.brand}:${card.last4}`).digest('base64').replace(/[^0-9A-Za-z]/g, '').slice(0, 16);
const BY_FINGERPRINT = new Map([...TEST_CARDS.values()].map((card) => [fingerprint(card), card] as const));

const testCard = (id: string, prefix: 'pm_card_' | 'tok_'): TestCard | undefined =>
  id.startsWith(prefix) ? TEST_CARDS.get(id.slice(prefix.length)) : undefined;

function testCardOf(pm: SandboxObject): TestCard | undefined {
  const card = pm.card as { fingerprint?: unknown } | undefined;
  return typeof card?.fingerprint === 'string' ? BY_FINGERPRINT.get(card.fingerprint) : undefined;
}

function cardError(decline: Decline): SandboxError {
  const { code, decline_code: declineCode, message, param } = decline;
  return new SandboxError(402, {
    type: 'card_error', code, message, ...(declineCode ? { decline_code: declineCode } : {}), ...(param ? { param } : {}),
    doc_url: `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`,
  });
}

function billingDetails(body: FormObject): Record<string, unknown> {
  const h = hash(body, 'billing_details') ?? {};
  const at = 'billing_details';
  only(h, ['address', 'email', 'name', 'phone'], at, ['tax_id']);
  return {
    address: address(h, 'address', at) ?? EMPTY_ADDRESS, email: nullableStr(h, 'email', at) ?? null,
    name: nullableStr(h, 'name', at) ?? null, phone: nullableStr(h, 'phone', at) ?? null, tax_id: null,
  };
}

function buildCard(store: Store, card: TestCard, billing: Record<string, unknown>, metadata: Record<string, string>): SandboxObject {
  const created = store.nowSeconds();
  // Test cards take any future expiry; the sandbox picks one year from the (injectable) clock.
  const now = new Date(created * 1000);
  return {
    id: newId('pm', 24), object: 'payment_method', allow_redisplay: 'unspecified', billing_details: billing,
    card: {
      brand: card.brand, checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'unchecked' },
      country: card.country, display_brand: card.brand === 'amex' ? 'american_express' : card.brand,
      exp_month: now.getUTCMonth() + 1, exp_year: now.getUTCFullYear() + 1, fingerprint: fingerprint(card), funding: card.funding,
      generated_from: null, last4: card.last4, networks: { available: [card.brand], preferred: null },
      regulated_status: 'unregulated', three_d_secure_usage: { supported: true }, wallet: null,
    },
    created, customer: null, customer_account: null, livemode: false, metadata, type: 'card',
  };
}

/** A stored pm, or for a magic id a brand-new (not yet stored) pm, as Stripe makes one per use. */
function resolve(store: Store, pmId: string, param: string): SandboxObject {
  const existing = store.paymentMethods.get(pmId);
  if (existing) return existing;
  const magic = testCard(pmId, 'pm_card_');
  if (!magic) throw noSuch('PaymentMethod', pmId, param);
  return buildCard(store, magic, billingDetails({}), {});
}

/** The card error a charge on this pm fails with, if its test card declines charges; undefined when it succeeds. */
export function chargeError(pm: SandboxObject | undefined): SandboxError | undefined {
  const card = pm ? testCardOf(pm) : undefined;
  const decline = card?.chargeDecline ?? card?.decline;
  return decline ? cardError(decline) : undefined;
}

/** Stripe only takes a pm already attached to this customer as its invoice default (unknown ids: "No such PaymentMethod"). */
export function checkDefaultPaymentMethod(store: Store, customerId: string, pmId: string): void {
  const param = 'invoice_settings[default_payment_method]';
  if (resolve(store, pmId, param).customer !== customerId) {
    const message = `The customer does not have a payment method with the ID ${pmId}. The payment method must be attached to the customer.`;
    throw invalid(message, { code: 'resource_missing', param });
  }
}

/**
 * The pm as it will be once attached to `customerId`, without storing anything, so callers can still fail
 * and leave no trace. `param` is the body param naming the pm ('id' when it is in the URL).
 */
export function prepareAttach(store: Store, pmId: string, customerId: string, param = 'id'): SandboxObject {
  const pm = resolve(store, pmId, param);
  if (pm.customer !== null && pm.customer !== customerId) {
    throw invalid('The payment method you provided has already been attached to a customer.', param === 'id' ? {} : { param });
  }
  // Attaching verifies the card with the issuer, so declining test cards fail here.
  const decline = testCardOf(pm)?.decline;
  if (decline) throw cardError(decline);
  return { ...pm, customer: customerId };
}

function create({ store, body }: RouteContext): SandboxObject {
  only(body, ['billing_details', 'card', 'expand', 'metadata', 'type'], undefined, ['allow_redisplay', 'customer', 'payment_method', 'radar_options']);
  const type = required(nonEmpty(body, 'type'), 'type');
  if (type !== 'card') throw invalid(`the Stripe sandbox only models card PaymentMethods, not type=${type}`, { code: 'sandbox_unsupported', param: 'type' });
  const card = hash(body, 'card');
  // Raw card numbers need special account permissions on Stripe; tests use test tokens instead.
  if (card) only(card, ['token'], 'card', ['cvc', 'exp_month', 'exp_year', 'networks', 'number']);
  const token = card ? nonEmpty(card, 'token', 'card') : undefined;
  // Real Stripe insists on card details; the sandbox defaults to the Visa test card to keep test setup short.
  const template = token === undefined ? TEST_CARDS.get('visa') : testCard(token, 'tok_');
  if (!template) throw noSuch('token', String(token), 'card[token]');
  const pm = buildCard(store, template, billingDetails(body), applyMetadata({}, body));
  store.paymentMethods.set(pm.id, pm);
  return structuredClone(pm);
}

function retrieve({ store, id, body }: RouteContext): SandboxObject {
  only(body, ['expand']);
  const pm = resolve(store, id, 'id');
  // A magic id materialises a new pm; it is kept so the returned id can be used afterwards.
  store.paymentMethods.set(pm.id, pm);
  return structuredClone(pm);
}

function attach({ store, id, body, request }: RouteContext): SandboxObject {
  only(body, ['customer', 'expand'], undefined, ['customer_account']);
  const customerId = required(nonEmpty(body, 'customer'), 'customer');
  if (!store.customers.has(customerId)) throw noSuch('customer', customerId, 'customer');
  const pm = prepareAttach(store, id, customerId);
  store.paymentMethods.set(pm.id, pm);
  recordEvent(store, request, 'payment_method.attached', pm);
  return structuredClone(pm);
}

export const paymentMethodRoutes: readonly Route[] = [
  ['POST', '/v1/payment_methods', create],
  ['GET', '/v1/payment_methods/:id', retrieve],
  ['POST', '/v1/payment_methods/:id/attach', attach],
];
