import type { BillingPeriod } from '../catalog/catalogDocument';
import { billingPeriodEnd } from '../subscriptions/trialEnd';
import type { BillingPeriodRange } from './pricing.types';

/** The period that starts at `start`: one calendar month or year later, clamped to the month's end as Stripe does. */
export function billingPeriodRange(start: Date, period: BillingPeriod): BillingPeriodRange {
  return { start, end: billingPeriodEnd(start, period) };
}

/** Whole Unix seconds, as Stripe measures periods and proration dates. */
export const unixSeconds = (date: Date): bigint => BigInt(Math.floor(date.getTime() / 1000));

/** Seconds from `at` to the end of the period, and the period's length in seconds. */
export function remainingTime(range: BillingPeriodRange, at: Date): { remaining: bigint; length: bigint } {
  const end = unixSeconds(range.end);
  return { remaining: end - unixSeconds(at), length: end - unixSeconds(range.start) };
}
