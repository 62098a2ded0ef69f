import { addMonths } from '../subscriptions/trialEnd';

export type ResetPeriod = 'HOUR' | 'DAY' | 'WEEK' | 'MONTH' | 'YEAR';
export type UsagePeriod = { start: Date; end: Date };

const FIXED_MS: Partial<Record<ResetPeriod, number>> = { HOUR: 3_600_000, DAY: 86_400_000, WEEK: 7 * 86_400_000 };

// The usage period that contains `at`, for a meter that resets every `period` counted from `anchor` (the
// subscription's start or billing-cycle anchor). Periods are half-open [start, end), exact to the millisecond in
// UTC, and tile time without gaps or overlaps, before the anchor too (a report dated earlier counts there).
// Months and years are calendar months from the anchor, clamped to a month's last day like Stripe's billing
// periods: anchored on Jan 31, the periods start Feb 28 (or 29), Mar 31, Apr 30, ...
export function usagePeriodAt(anchor: Date, period: ResetPeriod, at: Date): UsagePeriod {
  const fixed = FIXED_MS[period];
  if (fixed !== undefined) {
    const index = Math.floor((at.getTime() - anchor.getTime()) / fixed);
    const start = anchor.getTime() + index * fixed;
    return { start: new Date(start), end: new Date(start + fixed) };
  }
  const step = period === 'YEAR' ? 12 : 1;
  const monthsApart = (at.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + (at.getUTCMonth() - anchor.getUTCMonth());
  // The calendar difference is right, or one too many when the anchor's day and time of month are not reached yet
  // (it is never too few: the period after it starts in a later month than `at`).
  let index = Math.floor(monthsApart / step);
  if (addMonths(anchor, index * step).getTime() > at.getTime()) index -= 1;
  return { start: addMonths(anchor, index * step), end: addMonths(anchor, (index + 1) * step) };
}
