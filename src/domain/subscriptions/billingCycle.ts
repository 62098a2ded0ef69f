import { addMonths } from './trialEnd';

export type BillingPeriod = 'MONTHLY' | 'ANNUALLY';
const MONTHS: Record<BillingPeriod, number> = { MONTHLY: 1, ANNUALLY: 12 };

// The n-th billing period counted from the cycle's anchor, as Stripe counts them: each boundary is the anchor plus
// whole months, clamped to the month's last day, so a Jan 31 anchor renews on Feb 28 (or 29) and then on Mar 31.
export function billingPeriodNumber(anchor: Date, period: BillingPeriod, n: number): { start: Date; end: Date } {
  const months = MONTHS[period];
  return { start: addMonths(anchor, n * months), end: addMonths(anchor, (n + 1) * months) };
}

// The period that follows the one ending at `currentEnd` (a boundary of the cycle anchored at `anchor`).
export function nextBillingPeriod(anchor: Date, period: BillingPeriod, currentEnd: Date): { start: Date; end: Date } {
  const months = MONTHS[period];
  const elapsed = (currentEnd.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + (currentEnd.getUTCMonth() - anchor.getUTCMonth());
  // The boundary's index; a clamped day can sit one month short of the plain month difference, so look both ways.
  for (const n of [Math.round(elapsed / months), Math.floor(elapsed / months), Math.ceil(elapsed / months)]) {
    const boundary = billingPeriodNumber(anchor, period, n);
    if (boundary.start.getTime() === currentEnd.getTime()) return billingPeriodNumber(anchor, period, n);
  }
  // Not a boundary of this cycle (the anchor moved): a new period starts where the old one ended.
  return { start: currentEnd, end: addMonths(currentEnd, months) };
}

// The period containing `at` in the cycle anchored at `anchor` (at ≥ anchor).
export function billingPeriodAt(anchor: Date, period: BillingPeriod, at: Date): { start: Date; end: Date } {
  const months = MONTHS[period];
  let n = Math.max(0, Math.floor(((at.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + (at.getUTCMonth() - anchor.getUTCMonth())) / months) - 1);
  while (billingPeriodNumber(anchor, period, n).end.getTime() <= at.getTime()) n += 1;
  return billingPeriodNumber(anchor, period, n);
}
