import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { counterPeriod, NEVER_RESETS } from '../../src/domain/usage/counterPeriod';

const anchor = new Date('2026-01-31T10:00:00.000Z');

describe('counterPeriod', () => {
  it('resets incremental meters per period from the anchor, to the millisecond', () => {
    const rule = { meterType: 'Incremental' as const, resetPeriod: 'MONTH' as const, usagePeriodAnchor: anchor };
    expect(counterPeriod(rule, new Date('2026-02-28T09:59:59.999Z'))).toEqual({ start: anchor, end: new Date('2026-02-28T10:00:00.000Z') });
    expect(counterPeriod(rule, new Date('2026-02-28T10:00:00.000Z'))).toEqual({ start: new Date('2026-02-28T10:00:00.000Z'), end: new Date('2026-03-31T10:00:00.000Z') });
    const hourly = { ...rule, resetPeriod: 'HOUR' as const };
    expect(counterPeriod(hourly, new Date('2026-01-31T09:59:59.999Z')).start).toEqual(new Date('2026-01-31T09:00:00.000Z'));
  });

  it('never resets fluctuating meters, nor a limit without a reset period or anchor', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }), (at) => {
        expect(counterPeriod({ meterType: 'Fluctuating', resetPeriod: 'DAY', usagePeriodAnchor: anchor }, at)).toBe(NEVER_RESETS);
        expect(counterPeriod({ meterType: 'Incremental', resetPeriod: null, usagePeriodAnchor: anchor }, at)).toBe(NEVER_RESETS);
        expect(counterPeriod({ meterType: 'Incremental', resetPeriod: 'DAY', usagePeriodAnchor: null }, at)).toBe(NEVER_RESETS);
      }),
    );
  });

  it('puts every instant in exactly one period that contains it', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }), fc.constantFrom('HOUR', 'DAY', 'WEEK', 'MONTH', 'YEAR' as const), (at, resetPeriod) => {
        const period = counterPeriod({ meterType: 'Incremental', resetPeriod, usagePeriodAnchor: anchor }, at);
        expect(period.start.getTime()).toBeLessThanOrEqual(at.getTime());
        expect(period.end.getTime()).toBeGreaterThan(at.getTime());
        expect(counterPeriod({ meterType: 'Incremental', resetPeriod, usagePeriodAnchor: anchor }, new Date(period.end.getTime() - 1))).toEqual(period);
      }),
    );
  });
});
