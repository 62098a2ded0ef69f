// Redeeming coupons and promotion codes (`discounts: [{ coupon } | { promotion_code }]`) with Stripe's redemption rules.
import type { AppliedDiscount } from './amounts';
import { couponValid, getCoupon, getPromotionCode } from './coupons';
import type { FormValue } from './form';
import { invalid, list, newId, nonEmpty, only, type DiscountObject, type SandboxObject, type Store } from './params';

export interface DiscountChoice {
  coupon: SandboxObject;
  promotionCode: SandboxObject | null;
  /** The param that named it, e.g. `discounts[0][promotion_code]`, for errors. */
  param: string;
}

/** Parses a `discounts` list param into the coupons and promotion codes it names (existence only). */
export function parseDiscounts(store: Store, body: Record<string, FormValue>, key: string, at?: string, max = 20): DiscountChoice[] {
  const name = at ? `${at}[${key}]` : key;
  const items = list(body, key, at) ?? [];
  if (items.length > max) throw invalid(`You can apply at most ${max} discount${max === 1 ? '' : 's'}.`, { param: name });
  const seen = new Set<string>();
  return items.map((item, i) => {
    const iat = `${name}[${i}]`;
    if (typeof item !== 'object' || Array.isArray(item)) throw invalid('Invalid hash', { param: iat });
    only(item, ['coupon', 'promotion_code'], iat, ['discount']);
    const couponId = nonEmpty(item, 'coupon', iat);
    const promoId = nonEmpty(item, 'promotion_code', iat);
    if ((couponId === undefined) === (promoId === undefined)) {
      throw invalid('You must pass exactly one of these parameters: coupon, promotion_code.', { param: iat });
    }
    const promotionCode = promoId === undefined ? null : getPromotionCode(store, promoId, `${iat}[promotion_code]`);
    const param = promotionCode ? `${iat}[promotion_code]` : `${iat}[coupon]`;
    const coupon = getCoupon(store, promotionCode ? String((promotionCode.promotion as { coupon: string }).coupon) : String(couponId), param);
    if (seen.has(coupon.id)) throw invalid('You cannot apply the same coupon more than once.', { param });
    seen.add(coupon.id);
    return { coupon, promotionCode, param };
  });
}

export interface RedemptionContext {
  customerId: string | null;
  currency: string;
  /** The amount before discounts, which a promotion code's minimum_amount is compared with. */
  subtotal: number;
}

const hasPaid = (store: Store, customerId: string): boolean =>
  [...store.invoices.values()].some((invoice) => invoice.customer === customerId && Number(invoice.amount_paid) > 0);

/** Refuses a discount Stripe would refuse: invalid coupon, inactive/expired/used-up/restricted promotion code. */
export function checkDiscounts(store: Store, choices: readonly DiscountChoice[], context: RedemptionContext): void {
  const now = store.nowSeconds();
  for (const { coupon, promotionCode: promo, param } of choices) {
    const refuse = (message: string, code?: string): never => {
      throw invalid(message, { param, ...(code ? { code } : {}) });
    };
    if (promo) {
      const code = String(promo.code);
      if (promo.active !== true) refuse(`The promotion code \`${code}\` is inactive.`);
      if (promo.expires_at !== null && Number(promo.expires_at) <= now) refuse(`The promotion code \`${code}\` has expired.`);
      if (promo.max_redemptions !== null && Number(promo.times_redeemed) >= Number(promo.max_redemptions)) {
        refuse(`The promotion code \`${code}\` has reached its maximum number of redemptions.`);
      }
      if (promo.customer !== null && promo.customer !== context.customerId) refuse(`The promotion code \`${code}\` cannot be redeemed by this customer.`);
      const rules = promo.restrictions as { first_time_transaction: boolean; minimum_amount: number | null; minimum_amount_currency: string | null };
      if (rules.first_time_transaction && context.customerId !== null && hasPaid(store, context.customerId)) {
        refuse(`The promotion code \`${code}\` is only valid for a customer's first transaction.`);
      }
      if (rules.minimum_amount !== null && (rules.minimum_amount_currency !== context.currency || context.subtotal < rules.minimum_amount)) {
        refuse(`The promotion code \`${code}\` requires a minimum amount of ${rules.minimum_amount} ${rules.minimum_amount_currency}.`);
      }
    }
    if (!couponValid(store, coupon)) refuse(`The coupon \`${coupon.id}\` is no longer valid.`, 'coupon_expired');
    if (coupon.currency !== null && coupon.currency !== context.currency) {
      refuse(`The coupon \`${coupon.id}\` is in ${String(coupon.currency)} and cannot be applied to an amount in ${context.currency}.`);
    }
  }
}

export interface DiscountLinks {
  customer: string | null;
  subscription: string | null;
  checkoutSession: string | null;
}

/** Turns checked choices into Discount objects and counts the redemptions; call only once nothing can fail any more. */
export function redeemDiscounts(store: Store, choices: readonly DiscountChoice[], links: DiscountLinks): AppliedDiscount[] {
  const start = store.nowSeconds();
  return choices.map(({ coupon, promotionCode }) => {
    const months = coupon.duration === 'repeating' ? Number(coupon.duration_in_months) : null;
    const end = months === null ? null : Math.floor(new Date(start * 1000).setUTCMonth(new Date(start * 1000).getUTCMonth() + months) / 1000);
    const discount: DiscountObject = {
      id: newId('di', 24), object: 'discount', checkout_session: links.checkoutSession, customer: links.customer, customer_account: null,
      end, invoice: null, invoice_item: null, promotion_code: promotionCode?.id ?? null, source: { coupon: coupon.id, type: 'coupon' },
      start, subscription: links.subscription, subscription_item: null,
    };
    store.discounts.set(discount.id, discount);
    const current = store.coupons.get(coupon.id) ?? coupon;
    store.coupons.set(coupon.id, { ...current, times_redeemed: Number(current.times_redeemed) + 1 });
    if (promotionCode) {
      const promo = store.promotionCodes.get(promotionCode.id) ?? promotionCode;
      store.promotionCodes.set(promo.id, { ...promo, times_redeemed: Number(promo.times_redeemed) + 1 });
    }
    return { id: discount.id, coupon };
  });
}
