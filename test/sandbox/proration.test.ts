import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { proratedAmount } from '../../src/sandbox/proration';

describe('proratedAmount: full amount × remaining seconds / period seconds, each line rounded on its own', () => {
  const window = (periodStart: number, length: number, elapsed: number) => ({ periodStart, periodEnd: periodStart + length, prorationDate: periodStart + elapsed });

  it('rounds halves away from zero, so a credit and a debit of the same line cancel exactly', () => {
    // 1000 × 1 296 001 / 2 592 000 = 500.0004 → 500; 1001 × 1/2 = 500.5 → 501 and −500.5 → −501.
    expect(proratedAmount(1000, window(0, 2_592_000, 1_295_999))).toBe(500);
    expect(proratedAmount(1001, window(0, 2_592_000, 1_296_000))).toBe(501);
    expect(proratedAmount(-1001, window(0, 2_592_000, 1_296_000))).toBe(-501);
    // Nothing remains at the period end; the whole amount at its start.
    expect(proratedAmount(1500, window(0, 100, 100))).toBe(0);
    expect(proratedAmount(1500, window(0, 100, 0))).toBe(1500);
  });

  it('never exceeds the full-period amount and credit = −debit for any amount and moment', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 40_000_000 }), fc.double({ min: 0, max: 1, noNaN: true }),
      (amount, length, fraction) => {
        const w = window(1_700_000_000, length, Math.floor(length * fraction));
        const debit = proratedAmount(amount, w);
        expect(debit).toBeGreaterThanOrEqual(0);
        expect(debit).toBeLessThanOrEqual(amount);
        expect(proratedAmount(-amount, w) + debit).toBe(0);
      },
    ));
  });
});
