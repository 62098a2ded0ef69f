import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { usagePeriodAt, type ResetPeriod } from '../../src/domain/usage/usagePeriod';

const d = (iso: string) => new Date(iso);
const period = (anchor: string, reset: ResetPeriod, at: string) => {
  const { start, end } = usagePeriodAt(d(anchor), reset, d(at));
  return [start.toISOString(), end.toISOString()];
};

describe('usage periods, anchored to the subscription start, exact to the millisecond in UTC', () => {
  it('fixed periods (hour, day, week) count from the anchor, not from midnight or Monday', () => {
    expect(period('2026-03-10T09:30:00.000Z', 'HOUR', '2026-03-10T11:29:59.999Z')).toEqual(['2026-03-10T10:30:00.000Z', '2026-03-10T11:30:00.000Z']);
    expect(period('2026-03-10T09:30:00.000Z', 'HOUR', '2026-03-10T11:30:00.000Z')).toEqual(['2026-03-10T11:30:00.000Z', '2026-03-10T12:30:00.000Z']);
    expect(period('2026-03-10T09:30:00.000Z', 'DAY', '2026-03-12T09:29:59.999Z')).toEqual(['2026-03-11T09:30:00.000Z', '2026-03-12T09:30:00.000Z']);
    expect(period('2026-03-10T09:30:00.000Z', 'WEEK', '2026-03-24T09:30:00.000Z')).toEqual(['2026-03-24T09:30:00.000Z', '2026-03-31T09:30:00.000Z']);
  });

  it('the anchor instant opens the first period; one millisecond earlier belongs to the period before', () => {
    expect(period('2026-03-10T09:30:00.000Z', 'MONTH', '2026-03-10T09:30:00.000Z')).toEqual(['2026-03-10T09:30:00.000Z', '2026-04-10T09:30:00.000Z']);
    expect(period('2026-03-10T09:30:00.000Z', 'MONTH', '2026-03-10T09:29:59.999Z')).toEqual(['2026-02-10T09:30:00.000Z', '2026-03-10T09:30:00.000Z']);
    expect(period('2026-03-10T09:30:00.000Z', 'DAY', '2026-03-10T09:29:59.999Z')).toEqual(['2026-03-09T09:30:00.000Z', '2026-03-10T09:30:00.000Z']);
  });

  it('months are calendar months from the anchor, clamped to the month\'s last day like Stripe', () => {
    expect(period('2026-01-31T00:00:00.000Z', 'MONTH', '2026-02-28T12:00:00.000Z')).toEqual(['2026-02-28T00:00:00.000Z', '2026-03-31T00:00:00.000Z']);
    expect(period('2026-01-31T00:00:00.000Z', 'MONTH', '2026-02-27T23:59:59.999Z')).toEqual(['2026-01-31T00:00:00.000Z', '2026-02-28T00:00:00.000Z']);
    expect(period('2028-01-31T00:00:00.000Z', 'MONTH', '2028-03-01T00:00:00.000Z')).toEqual(['2028-02-29T00:00:00.000Z', '2028-03-31T00:00:00.000Z']);
    expect(period('2026-01-31T00:00:00.000Z', 'MONTH', '2026-04-30T00:00:00.000Z')).toEqual(['2026-04-30T00:00:00.000Z', '2026-05-31T00:00:00.000Z']);
    // Within a month: the anchor's time of day matters, not only its day.
    expect(period('2026-01-15T18:00:00.000Z', 'MONTH', '2026-03-15T17:59:59.999Z')).toEqual(['2026-02-15T18:00:00.000Z', '2026-03-15T18:00:00.000Z']);
  });

  it('years roll over from the anchor, and Feb 29 anchors land on Feb 28 in common years', () => {
    expect(period('2028-02-29T08:00:00.000Z', 'YEAR', '2029-02-28T08:00:00.000Z')).toEqual(['2029-02-28T08:00:00.000Z', '2030-02-28T08:00:00.000Z']);
    expect(period('2028-02-29T08:00:00.000Z', 'YEAR', '2029-02-28T07:59:59.999Z')).toEqual(['2028-02-29T08:00:00.000Z', '2029-02-28T08:00:00.000Z']);
    expect(period('2026-06-01T00:00:00.000Z', 'YEAR', '2031-05-31T23:59:59.999Z')).toEqual(['2030-06-01T00:00:00.000Z', '2031-06-01T00:00:00.000Z']);
  });

  it('a date before the anchor falls in the period before it, not the first one', () => {
    expect(period('2026-03-10T00:00:00.000Z', 'MONTH', '2025-12-25T00:00:00.000Z')).toEqual(['2025-12-10T00:00:00.000Z', '2026-01-10T00:00:00.000Z']);
    expect(period('2026-03-10T00:00:00.000Z', 'WEEK', '2026-03-02T00:00:00.000Z')).toEqual(['2026-02-24T00:00:00.000Z', '2026-03-03T00:00:00.000Z']);
  });

  const resets = fc.constantFrom<ResetPeriod>('HOUR', 'DAY', 'WEEK', 'MONTH', 'YEAR');
  const instant = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) }).map((ms) => new Date(ms));

  it('every instant lies in exactly one period, and periods tile time without gaps', () => {
    fc.assert(
      fc.property(instant, resets, instant, (anchor, reset, at) => {
        const { start, end } = usagePeriodAt(anchor, reset, at);
        expect(start.getTime()).toBeLessThanOrEqual(at.getTime());
        expect(at.getTime()).toBeLessThan(end.getTime());
        // The period's own bounds agree: its start opens it, its last millisecond is in it, its end opens the next.
        expect(usagePeriodAt(anchor, reset, start)).toEqual({ start, end });
        expect(usagePeriodAt(anchor, reset, new Date(end.getTime() - 1))).toEqual({ start, end });
        expect(usagePeriodAt(anchor, reset, end).start).toEqual(end);
      }),
      { numRuns: 500 },
    );
  });
});
