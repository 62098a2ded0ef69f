// /v1/coupons and /v1/promotion_codes: the discounts that subscriptions and checkout sessions redeem.
import type { FormObject } from './form';
import {
  applyMetadata, bool, decimal, hash, int, invalid, newId, noSuch, nonEmpty, nullableStr, only, oneOf, paginate, paramName,
  required, str, type Route, type RouteContext, type SandboxObject, type Store,
} from './params';

const COUPON_CREATE = ['amount_off', 'currency', 'duration', 'duration_in_months', 'expand', 'id', 'max_redemptions', 'metadata', 'name', 'percent_off', 'redeem_by'];
const PROMO_CREATE = ['active', 'code', 'customer', 'expand', 'expires_at', 'max_redemptions', 'metadata', 'promotion', 'restrictions'];

/** A coupon stops being `valid` once its redeem_by date passed or its redemptions are used up. */
export function couponValid(store: Store, coupon: SandboxObject): boolean {
  const redeemBy = coupon.redeem_by as number | null;
  const max = coupon.max_redemptions as number | null;
  return (redeemBy === null || redeemBy > store.nowSeconds()) && (max === null || Number(coupon.times_redeemed) < max);
}

const viewCoupon = (store: Store, coupon: SandboxObject): SandboxObject => ({ ...structuredClone(coupon), valid: couponValid(store, coupon) });

export function getCoupon(store: Store, id: string, param = 'id'): SandboxObject {
  const coupon = store.coupons.get(id);
  if (!coupon) throw noSuch('coupon', id, param);
  return coupon;
}

function positive(body: FormObject, key: string, at?: string): number | undefined {
  const value = int(body, key, at);
  if (value !== undefined && value < 1) throw invalid(`Invalid ${paramName(key, at)}: must be at least 1`, { param: paramName(key, at) });
  return value;
}

function future(store: Store, body: FormObject, key: string): number | undefined {
  const value = int(body, key);
  if (value !== undefined && value <= store.nowSeconds()) throw invalid(`${key} must be in the future.`, { param: key });
  return value;
}

function createCoupon({ store, body }: RouteContext): SandboxObject {
  only(body, COUPON_CREATE, undefined, ['applies_to', 'currency_options']);
  const id = nonEmpty(body, 'id');
  if (id !== undefined && store.coupons.has(id)) throw invalid('Coupon already exists.', { code: 'resource_already_exists', param: 'id' });
  const percentOff = decimal(body, 'percent_off');
  const amountOff = int(body, 'amount_off');
  if ((percentOff === undefined) === (amountOff === undefined)) {
    throw invalid('You must pass exactly one of these parameters: amount_off, percent_off.', { param: percentOff === undefined ? 'amount_off' : 'percent_off' });
  }
  if (percentOff !== undefined && (percentOff <= 0 || percentOff > 100)) throw invalid('percent_off must be greater than 0 and at most 100.', { param: 'percent_off' });
  if (amountOff !== undefined && amountOff < 1) throw invalid('amount_off must be at least 1.', { param: 'amount_off' });
  const currency = nonEmpty(body, 'currency')?.toLowerCase();
  if (amountOff !== undefined && currency === undefined) throw invalid('You must pass currency when passing amount_off.', { code: 'parameter_missing', param: 'currency' });
  if (amountOff === undefined && currency !== undefined) throw invalid('currency can only be passed with amount_off.', { param: 'currency' });
  const duration = oneOf(body, 'duration', ['forever', 'once', 'repeating']) ?? 'once';
  const months = positive(body, 'duration_in_months');
  if (duration === 'repeating' && months === undefined) throw invalid('Missing required param: duration_in_months.', { code: 'parameter_missing', param: 'duration_in_months' });
  if (duration !== 'repeating' && months !== undefined) throw invalid('duration_in_months can only be set when duration is repeating.', { param: 'duration_in_months' });
  const name = nullableStr(body, 'name');
  if (name && name.length > 40) throw invalid('name must be at most 40 characters.', { param: 'name' });
  const coupon: SandboxObject = {
    id: id ?? newId('x', 8).slice(2), object: 'coupon', amount_off: amountOff ?? null, created: store.nowSeconds(), currency: currency ?? null,
    duration, duration_in_months: months ?? null, livemode: false, max_redemptions: positive(body, 'max_redemptions') ?? null,
    metadata: applyMetadata({}, body), name: name ?? null, percent_off: percentOff ?? null, redeem_by: future(store, body, 'redeem_by') ?? null,
    times_redeemed: 0, valid: true,
  };
  store.coupons.set(coupon.id, coupon);
  return viewCoupon(store, coupon);
}

function updateCoupon({ store, id, body }: RouteContext): SandboxObject {
  const current = getCoupon(store, id);
  only(body, ['expand', 'metadata', 'name'], undefined, ['currency_options']);
  const name = nullableStr(body, 'name');
  const next: SandboxObject = { ...current, metadata: applyMetadata(current.metadata, body), ...(name !== undefined ? { name } : {}) };
  store.coupons.set(id, next);
  return viewCoupon(store, next);
}

function deleteCoupon({ store, id, body }: RouteContext): unknown {
  only(body, []);
  getCoupon(store, id);
  // Discounts already made from it stay; the coupon can no longer be redeemed.
  store.coupons.delete(id);
  return { id, object: 'coupon', deleted: true };
}

export function getPromotionCode(store: Store, id: string, param = 'id'): SandboxObject {
  const code = store.promotionCodes.get(id);
  if (!code) throw noSuch('promotion code', id, param);
  return code;
}

function restrictions(body: FormObject): Record<string, unknown> {
  const h = hash(body, 'restrictions') ?? {};
  const at = 'restrictions';
  only(h, ['first_time_transaction', 'minimum_amount', 'minimum_amount_currency'], at, ['currency_options']);
  const minimum = int(h, 'minimum_amount', at);
  const currency = nonEmpty(h, 'minimum_amount_currency', at)?.toLowerCase();
  if ((minimum === undefined) !== (currency === undefined)) {
    throw invalid('minimum_amount and minimum_amount_currency must be passed together.', { param: `${at}[${minimum === undefined ? 'minimum_amount' : 'minimum_amount_currency'}]` });
  }
  return { first_time_transaction: bool(h, 'first_time_transaction', at) ?? false, minimum_amount: minimum ?? null, minimum_amount_currency: currency ?? null };
}

function createPromotionCode({ store, body }: RouteContext): SandboxObject {
  only(body, PROMO_CREATE, undefined, ['customer_account']);
  const promotion = required(hash(body, 'promotion'), 'promotion');
  only(promotion, ['coupon', 'type'], 'promotion');
  if (required(str(promotion, 'type', 'promotion'), 'promotion[type]') !== 'coupon') throw invalid('Invalid promotion[type]: must be one of coupon', { param: 'promotion[type]' });
  const coupon = getCoupon(store, required(nonEmpty(promotion, 'coupon', 'promotion'), 'promotion[coupon]'), 'promotion[coupon]');
  const customer = nonEmpty(body, 'customer');
  if (customer !== undefined && !store.customers.has(customer)) throw noSuch('customer', customer, 'customer');
  const code = nonEmpty(body, 'code') ?? newId('x', 8).slice(2).toUpperCase();
  if (!/^[A-Za-z0-9-]{1,500}$/.test(code)) throw invalid('code may only contain letters, digits and dashes.', { param: 'code' });
  const active = bool(body, 'active') ?? true;
  const clash = [...store.promotionCodes.values()].find((p) => p.active === true && p.customer === (customer ?? null) && String(p.code).toLowerCase() === code.toLowerCase());
  if (active && clash) throw invalid(`An active promotion code with \`code: ${code}\` already exists.`, { param: 'code' });
  const expiresAt = future(store, body, 'expires_at');
  if (expiresAt !== undefined && coupon.redeem_by !== null && expiresAt > Number(coupon.redeem_by)) {
    throw invalid("The promotion code's expires_at cannot be after the coupon's redeem_by.", { param: 'expires_at' });
  }
  const promo: SandboxObject = {
    id: newId('promo', 24), object: 'promotion_code', active, code, created: store.nowSeconds(), customer: customer ?? null,
    customer_account: null, expires_at: expiresAt ?? null, livemode: false, max_redemptions: positive(body, 'max_redemptions') ?? null,
    metadata: applyMetadata({}, body), promotion: { coupon: coupon.id, type: 'coupon' }, restrictions: restrictions(body), times_redeemed: 0,
  };
  store.promotionCodes.set(promo.id, promo);
  return viewPromotionCode(store, promo, []);
}

function viewPromotionCode(store: Store, promo: SandboxObject, expand: readonly string[]): SandboxObject {
  const out = structuredClone(promo);
  const promotion = out.promotion as { coupon: unknown };
  const coupon = store.coupons.get(String(promotion.coupon));
  if (expand.includes('promotion.coupon') && coupon) promotion.coupon = viewCoupon(store, coupon);
  return out;
}

function updatePromotionCode({ store, id, body, expand }: RouteContext): SandboxObject {
  const current = getPromotionCode(store, id);
  only(body, ['active', 'expand', 'metadata'], undefined, ['restrictions']);
  const active = bool(body, 'active');
  const next: SandboxObject = { ...current, metadata: applyMetadata(current.metadata, body), ...(active !== undefined ? { active } : {}) };
  store.promotionCodes.set(id, next);
  return viewPromotionCode(store, next, expand);
}

function listPromotionCodes({ store, body, expand }: RouteContext): unknown {
  only(body, ['active', 'code', 'coupon', 'customer', 'ending_before', 'expand', 'limit', 'starting_after'], undefined, ['created', 'customer_account']);
  const active = bool(body, 'active');
  // Stripe's code filter is case-insensitive.
  const code = str(body, 'code')?.toLowerCase();
  const coupon = str(body, 'coupon');
  const customer = str(body, 'customer');
  const all = [...store.promotionCodes.values()].filter((p) => (active === undefined || p.active === active)
    && (code === undefined || String(p.code).toLowerCase() === code) && (customer === undefined || p.customer === customer)
    && (coupon === undefined || (p.promotion as { coupon: string }).coupon === coupon));
  const page = paginate(all, body, '/v1/promotion_codes', 'promotion code');
  const inner = expand.filter((e) => e.startsWith('data.')).map((e) => e.slice(5));
  return { ...page, data: page.data.map((p) => viewPromotionCode(store, p, inner)) };
}

export const couponRoutes: readonly Route[] = [
  ['POST', '/v1/coupons', createCoupon],
  ['GET', '/v1/coupons', ({ store, body }) => {
    only(body, ['ending_before', 'expand', 'limit', 'starting_after'], undefined, ['created']);
    const page = paginate([...store.coupons.values()], body, '/v1/coupons', 'coupon');
    return { ...page, data: page.data.map((c) => viewCoupon(store, c)) };
  }],
  ['GET', '/v1/coupons/:id', ({ store, id, body }) => (only(body, ['expand']), viewCoupon(store, getCoupon(store, id)))],
  ['POST', '/v1/coupons/:id', updateCoupon],
  ['DELETE', '/v1/coupons/:id', deleteCoupon],
  ['POST', '/v1/promotion_codes', createPromotionCode],
  ['GET', '/v1/promotion_codes', listPromotionCodes],
  ['GET', '/v1/promotion_codes/:id', ({ store, id, body, expand }) => (only(body, ['expand']), viewPromotionCode(store, getPromotionCode(store, id), expand))],
  ['POST', '/v1/promotion_codes/:id', updatePromotionCode],
];
