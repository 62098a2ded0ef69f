import { type ResetPeriod, type UsagePeriod, usagePeriodAt } from './usagePeriod';

// The one period of a meter that never resets (fluctuating meters such as seats, or a limit without a reset
// period). Real dates rather than ±infinity so they survive the database driver; answers show no period for it.
export const NEVER_RESETS: UsagePeriod = { start: new Date('1970-01-01T00:00:00.000Z'), end: new Date('9999-12-31T23:59:59.999Z') };

export type MeterType = 'None' | 'Fluctuating' | 'Incremental';

// What decides a counter's period: the feature's meter type and the customer's entitlement to it.
export type PeriodRule = { meterType: MeterType; resetPeriod: ResetPeriod | null; usagePeriodAnchor: Date | null };

// The usage counter period that usage dated `at` belongs to. Incremental meters reset per the entitlement's
// period, counted from its anchor; fluctuating ones (seats) never do, nor does usage without a reset period.
export function counterPeriod(rule: PeriodRule, at: Date): UsagePeriod {
  if (rule.meterType !== 'Incremental' || !rule.resetPeriod || !rule.usagePeriodAnchor) return NEVER_RESETS;
  return usagePeriodAt(rule.usagePeriodAnchor, rule.resetPeriod, at);
}

export const resetsNever = (period: UsagePeriod): boolean => period.start.getTime() === NEVER_RESETS.start.getTime();
