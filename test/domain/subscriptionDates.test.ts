import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMonths, billingPeriodEnd, trialEnd } from '../../src/domain/subscriptions/trialEnd';

const at = (iso: string) => new Date(iso);
const iso = (date: Date) => date.toISOString();

// The machine's zone must not matter: every date is computed in UTC. Run under a zone with DST and a half-hour
// offset on the far side of the date line, then restore.
const ORIGINAL_TZ = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'Australia/Adelaide';
});
afterAll(() => {
  if (ORIGINAL_TZ === undefined) delete process.env.TZ;
  else process.env.TZ = ORIGINAL_TZ;
});

describe('trialEnd', () => {
  it('runs under a zone other than UTC (so the cases below prove UTC arithmetic)', () => {
    expect(new Date('2027-01-01T00:00:00Z').getTimezoneOffset()).not.toBe(0);
  });

  it.each([
    ['2026-03-10T12:00:00.000Z', 14, '2026-03-24T12:00:00.000Z'],
    // Exact 24-hour days across the European and American DST changes (end of March, early November).
    ['2026-03-25T00:30:00.000Z', 7, '2026-04-01T00:30:00.000Z'],
    ['2026-10-30T23:00:00.000Z', 5, '2026-11-04T23:00:00.000Z'],
    // Across a leap day, and a year end.
    ['2028-02-28T09:00:00.000Z', 1, '2028-02-29T09:00:00.000Z'],
    ['2026-12-25T18:15:00.000Z', 10, '2027-01-04T18:15:00.000Z'],
  ])('a trial of days from %s lasting %i days ends %s', (start, duration, end) => {
    expect(iso(trialEnd(at(start), { duration, unit: 'DAY' }))).toBe(end);
  });

  it.each([
    ['2026-03-10T12:00:00.000Z', 1, '2026-04-10T12:00:00.000Z'],
    ['2027-01-31T08:30:00.000Z', 1, '2027-02-28T08:30:00.000Z'],
    ['2028-01-31T08:30:00.000Z', 1, '2028-02-29T08:30:00.000Z'],
    ['2026-11-30T00:00:00.000Z', 3, '2027-02-28T00:00:00.000Z'],
    ['2026-01-31T00:00:00.000Z', 2, '2026-03-31T00:00:00.000Z'],
  ])('a trial of months from %s lasting %i months ends %s', (start, duration, end) => {
    expect(iso(trialEnd(at(start), { duration, unit: 'MONTH' }))).toBe(end);
  });
});

describe('addMonths', () => {
  it.each([
    // Month ends clamp to the shorter month's last day, as Stripe does.
    ['2027-01-31T10:00:00.000Z', 1, '2027-02-28T10:00:00.000Z'],
    ['2028-01-31T10:00:00.000Z', 1, '2028-02-29T10:00:00.000Z'],
    ['2028-01-30T10:00:00.000Z', 1, '2028-02-29T10:00:00.000Z'],
    ['2028-01-29T10:00:00.000Z', 1, '2028-02-29T10:00:00.000Z'],
    ['2027-01-28T10:00:00.000Z', 1, '2027-02-28T10:00:00.000Z'],
    ['2026-03-31T10:00:00.000Z', 1, '2026-04-30T10:00:00.000Z'],
    ['2026-08-31T10:00:00.000Z', 1, '2026-09-30T10:00:00.000Z'],
    ['2026-05-31T10:00:00.000Z', 1, '2026-06-30T10:00:00.000Z'],
    // Counted from the start, not chained: Jan 31 + 2 months is Mar 31, not Mar 28.
    ['2027-01-31T10:00:00.000Z', 2, '2027-03-31T10:00:00.000Z'],
    // Year roll-over.
    ['2026-12-15T10:00:00.000Z', 1, '2027-01-15T10:00:00.000Z'],
    ['2026-12-31T10:00:00.000Z', 2, '2027-02-28T10:00:00.000Z'],
    // Leap years: every fourth, not centuries, except every fourth century.
    ['2028-02-29T10:00:00.000Z', 12, '2029-02-28T10:00:00.000Z'],
    ['2028-02-29T10:00:00.000Z', 48, '2032-02-29T10:00:00.000Z'],
    ['2100-01-31T10:00:00.000Z', 1, '2100-02-28T10:00:00.000Z'],
    ['2000-01-31T10:00:00.000Z', 1, '2000-02-29T10:00:00.000Z'],
    // The time of day, to the millisecond, is kept; so is a start at midnight UTC.
    ['2026-01-31T23:59:59.999Z', 1, '2026-02-28T23:59:59.999Z'],
    ['2026-07-01T00:00:00.000Z', 6, '2027-01-01T00:00:00.000Z'],
    ['2026-07-15T10:00:00.000Z', 0, '2026-07-15T10:00:00.000Z'],
  ])('%s + %i months = %s', (start, months, end) => {
    expect(iso(addMonths(at(start), months))).toBe(end);
  });

  // Dates a subscription can carry: years 1970 to 2999, to the millisecond.
  const instant = fc.date({ min: at('1970-01-01T00:00:00Z'), max: at('2999-12-31T23:59:59.999Z'), noInvalidDate: true });
  const months = fc.integer({ min: 0, max: 730 });
  const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const timeOfDay = (date: Date) => date.getTime() - Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());

  it('lands n calendar months later, on the same day clamped to that month, at the same time of day', () => {
    fc.assert(
      fc.property(instant, months, (start, n) => {
        const end = addMonths(start, n);
        const monthIndex = start.getUTCFullYear() * 12 + start.getUTCMonth() + n;
        expect([end.getUTCFullYear(), end.getUTCMonth()]).toEqual([Math.floor(monthIndex / 12), monthIndex % 12]);
        expect(end.getUTCDate()).toBe(Math.min(start.getUTCDate(), daysIn(end.getUTCFullYear(), end.getUTCMonth())));
        expect(timeOfDay(end)).toBe(timeOfDay(start));
      }),
    );
  });

  it('is strictly increasing in the number of months', () => {
    fc.assert(
      fc.property(instant, months, (start, n) => {
        expect(addMonths(start, n + 1).getTime()).toBeGreaterThan(addMonths(start, n).getTime());
        expect(addMonths(start, n).getTime()).toBeGreaterThanOrEqual(start.getTime());
      }),
    );
  });

  it('never moves a later start to an earlier day (within one clamped day the time of day decides, as at Stripe)', () => {
    const dayOf = (date: Date) => Math.floor(date.getTime() / 86_400_000);
    fc.assert(
      fc.property(instant, instant, months, (a, b, n) => {
        const [early, late] = a <= b ? [a, b] : [b, a];
        expect(dayOf(addMonths(early, n))).toBeLessThanOrEqual(dayOf(addMonths(late, n)));
      }),
    );
  });

  it('comes back to the start when no clamping happened (day 28 or earlier)', () => {
    const unclamped = instant.filter((date) => date.getUTCDate() <= 28);
    fc.assert(
      fc.property(unclamped, months, (start, n) => {
        expect(addMonths(addMonths(start, n), -n)).toEqual(start);
      }),
    );
  });
});

describe('billingPeriodEnd', () => {
  it.each([
    ['2026-03-10T12:00:00.000Z', 'MONTHLY', '2026-04-10T12:00:00.000Z'],
    ['2027-01-31T12:00:00.000Z', 'MONTHLY', '2027-02-28T12:00:00.000Z'],
    ['2026-03-10T12:00:00.000Z', 'ANNUALLY', '2027-03-10T12:00:00.000Z'],
    ['2028-02-29T12:00:00.000Z', 'ANNUALLY', '2029-02-28T12:00:00.000Z'],
  ] as const)('a period from %s billed %s ends %s', (start, period, end) => {
    expect(iso(billingPeriodEnd(at(start), period))).toBe(end);
  });
});
