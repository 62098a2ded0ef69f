import { addMonths } from '../subscriptions/trialEnd';
import type { AppliedDiscount, PricingProblem } from './pricing.types';
import { percentAsMillionths, percentOf } from './rounding';

/**
 * Which invoices a discount applies to, by when the invoice's period starts (Stripe's coupon durations):
 * ONCE only the invoice raised when it is redeemed (period starting at its start); REPEATING every invoice whose
 * period starts within `durationInMonths` calendar months of its start (so a 3-month coupon on an annual plan
 * discounts the first year only); FOREVER every invoice from its start on.
 */
export function discountApplies(discount: AppliedDiscount, invoicePeriodStart: Date): boolean {
  const at = invoicePeriodStart.getTime();
  const start = discount.start.getTime();
  if (at < start) return false;
  const { durationType, durationInMonths } = discount.coupon;
  if (durationType === 'FOREVER') return true;
  if (durationType === 'ONCE') return at === start;
  return at < addMonths(discount.start, durationInMonths ?? 0).getTime();
}

/**
 * The amount a discount takes off an invoice whose lines sum to `subtotal`: a percentage of it (rounded by the
 * rule; on a credit-heavy proration invoice it shrinks the credit alike), or the fixed amount in the invoice's
 * currency, never more than a positive subtotal (a fixed coupon never creates a credit).
 */
export function discountAmount(discount: AppliedDiscount, subtotal: bigint, currency: string): { amount: bigint } | { problem: PricingProblem } {
  const { coupon } = discount;
  const field = discount.promotionCode !== undefined ? 'promotionCode' : 'coupon';
  if (coupon.discountType === 'PERCENTAGE') {
    const millionths = percentAsMillionths(coupon.percentOff ?? Number.NaN);
    if (millionths === null) return { problem: { field, message: `coupon "${coupon.id}" has no valid percentOff` } };
    return { amount: percentOf(subtotal, millionths) };
  }
  const off = coupon.amountsOff?.find((entry) => entry.currency === currency);
  if (!off) return { problem: { field, message: `coupon "${coupon.id}" has no amount off in ${currency}` } };
  const positive = subtotal > 0n ? subtotal : 0n;
  const amount = BigInt(off.amount);
  return { amount: amount < positive ? amount : positive };
}
