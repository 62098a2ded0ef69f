import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unixSeconds } from '../../../src/domain/pricing/billingPeriod';
import { priceSubscription } from '../../../src/domain/pricing/priceSubscription';
import type { AppliedDiscount, InvoiceEstimate, TaxRate } from '../../../src/domain/pricing/pricing.types';
import { prorateChange } from '../../../src/domain/pricing/prorateChange';
import { divideRounded } from '../../../src/domain/pricing/rounding';
import type { PricedPackage } from '../../../src/domain/subscriptions/choosePrices';
import type { StoredPrice } from '../../../src/domain/subscriptions/chosenPrice';
import { billingPeriodEnd } from '../../../src/domain/subscriptions/trialEnd';

type Period = 'MONTHLY' | 'ANNUALLY';

const tiersArb = fc
  .array(fc.record({ width: fc.integer({ min: 1, max: 50 }), unitAmount: fc.integer({ min: 0, max: 100_000 }), flatAmount: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }) }), { minLength: 1, maxLength: 4 })
  .map((tiers) => {
    let upTo = 0;
    return tiers.map((tier, i) => {
      upTo += tier.width;
      const last = i === tiers.length - 1;
      return { ...(last ? {} : { upTo }), unitAmount: tier.unitAmount, ...(tier.flatAmount !== undefined ? { flatAmount: tier.flatAmount } : {}) };
    });
  });

// One price row of a period: a flat fee, a per-unit feature, or a tiered feature (graduated or volume).
const priceArb = (period: Period, featureId: string | null) =>
  featureId === null
    ? fc.integer({ min: 0, max: 10_000_000 }).map((amount): StoredPrice => ({ billingPeriod: period, billingModel: 'FLAT_FEE', featureId: null, countryCode: null, currency: 'usd', amount, tiersMode: null, tiers: null, billingId: null }))
    : fc.oneof(
        fc.integer({ min: 0, max: 1_000_000 }).map((amount): StoredPrice => ({ billingPeriod: period, billingModel: 'PER_UNIT', featureId, countryCode: null, currency: 'usd', amount, tiersMode: null, tiers: null, billingId: null })),
        fc.tuple(fc.constantFrom('GRADUATED' as const, 'VOLUME' as const), tiersArb).map(([tiersMode, tiers]): StoredPrice => ({ billingPeriod: period, billingModel: 'TIERED', featureId, countryCode: null, currency: 'usd', amount: null, tiersMode, tiers, billingId: null })),
      );

// A plan with a flat fee and up to two billed features, priced in both periods, with its feature quantities.
const packageArb = (packageId: string) =>
  fc
    .record({
      monthly: fc.tuple(priceArb('MONTHLY', null), priceArb('MONTHLY', 'feature-a'), priceArb('MONTHLY', 'feature-b')),
      annual: fc.tuple(priceArb('ANNUALLY', null), priceArb('ANNUALLY', 'feature-a')),
      quantities: fc.record({ 'feature-a': fc.integer({ min: 0, max: 200 }), 'feature-b': fc.integer({ min: 0, max: 200 }) }),
    })
    .map(({ monthly, annual, quantities }): PricedPackage => ({
      packageId, packageKind: 'PLAN', version: 1, prices: [...monthly, ...annual],
      quantityOf: (featureId) => (featureId === null ? 1 : quantities[featureId as keyof typeof quantities]),
    }));

const taxRatesArb = fc.array(
  fc.record({ displayName: fc.constant('Tax'), percentage: fc.integer({ min: 0, max: 1_000_000 }).map((n) => n / 10_000), inclusive: fc.boolean() }),
  { maxLength: 3 },
) as fc.Arbitrary<TaxRate[]>;

const START_MIN = Date.UTC(2026, 0, 1) / 1000;
const periodArb = fc.record({
  start: fc.integer({ min: START_MIN, max: START_MIN + 5 * 365 * 86_400 }).map((s) => new Date(s * 1000)),
  period: fc.constantFrom<Period>('MONTHLY', 'ANNUALLY'),
  elapsed: fc.double({ min: 0, max: 1, noNaN: true }),
});

const discountArb = (start: Date) =>
  fc.option(
    fc.oneof(
      fc.integer({ min: 1, max: 10_000 }).map((n): AppliedDiscount => ({ coupon: { id: 'pct', discountType: 'PERCENTAGE', percentOff: n / 100, durationType: 'FOREVER' }, start })),
      fc.integer({ min: 1, max: 5_000_000 }).map((amount): AppliedDiscount => ({ coupon: { id: 'fix', discountType: 'FIXED', amountsOff: [{ currency: 'usd', amount }], durationType: 'FOREVER' }, start })),
    ),
    { nil: null },
  );

const sumOf = (values: number[]) => values.reduce((a, b) => a + b, 0);

function expectPartsAddUp(invoice: InvoiceEstimate) {
  const discount = invoice.discount?.amount.amount ?? 0;
  const inclusive = sumOf(invoice.taxDetails.filter((t) => t.inclusive).map((t) => t.amount.amount));
  const exclusive = sumOf(invoice.taxDetails.filter((t) => !t.inclusive).map((t) => t.amount.amount));
  expect(invoice.subTotal.amount).toBe(sumOf(invoice.lines.map((line) => line.amount.amount)));
  expect(invoice.tax.amount).toBe(inclusive + exclusive);
  expect(invoice.total.amount).toBe(invoice.subTotal.amount - discount + exclusive);
  expect(invoice.totalExcludingTax.amount).toBe(invoice.subTotal.amount - discount - inclusive);
  expect(invoice.total.amount - invoice.tax.amount).toBe(invoice.totalExcludingTax.amount);
}

function changeAt(p: { start: Date; period: Period; elapsed: number }) {
  const end = billingPeriodEnd(p.start, p.period);
  const seconds = Math.floor(((end.getTime() - p.start.getTime()) / 1000) * p.elapsed);
  return { range: { start: p.start, end }, prorationDate: new Date(p.start.getTime() + seconds * 1000) };
}

const fullPeriodSubTotal = (packages: PricedPackage[], period: Period, start: Date) => {
  const result = priceSubscription({ packages, billingPeriod: period, billingCountryCode: null, periodStart: start });
  if ('problem' in result) throw new Error(result.problem.message);
  return result.estimate.subTotal.amount;
};

describe('pricing properties', () => {
  it('proration credit and debit never exceed the full-period price of the old and new items', () => {
    fc.assert(
      fc.property(packageArb('plan-old'), packageArb('plan-new'), periodArb, fc.boolean(), (old, next, p, samePlan) => {
        const { range, prorationDate } = changeAt(p);
        const to = samePlan ? { ...next, packageId: 'plan-old' } : next;
        const result = prorateChange({ current: { packages: [old], billingPeriod: p.period, billingPeriodRange: range }, next: { packages: [to], billingPeriod: p.period }, billingCountryCode: null, prorationDate });
        if ('problem' in result) throw new Error(result.problem.message);
        const { credit, debit, netAmount } = result.estimate.proration;
        expect(credit.amount).toBeLessThanOrEqual(0);
        expect(debit.amount).toBeGreaterThanOrEqual(0);
        expect(-credit.amount).toBeLessThanOrEqual(fullPeriodSubTotal([old], p.period, p.start));
        expect(debit.amount).toBeLessThanOrEqual(fullPeriodSubTotal([to], p.period, p.start));
        expect(netAmount.amount).toBe(credit.amount + debit.amount);
      }),
      { numRuns: 300 },
    );
  });

  it('an update estimate with no change nets to zero, whatever the discount and taxes', () => {
    fc.assert(
      fc.property(packageArb('plan-a'), periodArb, taxRatesArb, (pkg, p, taxRates) => {
        const { range, prorationDate } = changeAt(p);
        const discount: AppliedDiscount = { coupon: { id: 'pct', discountType: 'PERCENTAGE', percentOff: 15, durationType: 'FOREVER' }, start: p.start };
        const result = prorateChange({ current: { packages: [pkg], billingPeriod: p.period, billingPeriodRange: range }, next: { packages: [pkg], billingPeriod: p.period }, billingCountryCode: null, prorationDate, discount, taxRates });
        if ('problem' in result) throw new Error(result.problem.message);
        const e = result.estimate;
        expect([e.proration.credit.amount, e.proration.debit.amount, e.proration.netAmount.amount, e.total.amount, e.tax.amount]).toEqual([0, 0, 0, 0, 0]);
      }),
      { numRuns: 200 },
    );
  });

  it('totals equal the sum of their parts, for whole periods and proration invoices', () => {
    fc.assert(
      fc.property(
        packageArb('plan-old'), packageArb('plan-new'), periodArb, taxRatesArb,
        periodArb.chain((p) => discountArb(p.start).map((discount) => ({ p, discount }))),
        (old, next, p, taxRates, { discount }) => {
          const whole = priceSubscription({ packages: [next], billingPeriod: p.period, billingCountryCode: null, periodStart: p.start, discount: discount && { ...discount, start: p.start }, taxRates });
          if ('problem' in whole) throw new Error(whole.problem.message);
          expectPartsAddUp(whole.estimate);
          const { range, prorationDate } = changeAt(p);
          const change = prorateChange({ current: { packages: [old], billingPeriod: p.period, billingPeriodRange: range }, next: { packages: [next], billingPeriod: p.period }, billingCountryCode: null, prorationDate, discount: discount && { ...discount, start: p.start }, taxRates });
          if ('problem' in change) throw new Error(change.problem.message);
          expectPartsAddUp(change.estimate);
          expect(change.estimate.subTotal.amount).toBe(change.estimate.proration.netAmount.amount);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rounding is the stated rule: nearest minor unit, halves away from zero, the same for credits and debits', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.bigInt({ min: 1n, max: 10n ** 12n }), (n, d) => {
        const q = divideRounded(n, d);
        // Written another way: the floor of |n| / d, plus one when the remainder is at least half of d.
        const magnitude = n < 0n ? -n : n;
        const floor = magnitude / d;
        const expected = 2n * (magnitude % d) >= d ? floor + 1n : floor;
        expect(q).toBe(n < 0n ? -expected : expected);
        expect(divideRounded(-n, d)).toBe(-q);
      }),
      { numRuns: 1000 },
    );
  });

  it('each prorated line is its full-period amount × remaining seconds / period seconds under that rule', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000_000 }), periodArb, (oldAmount, newAmount, p) => {
        const { range, prorationDate } = changeAt(p);
        const flat = (id: string, amount: number): PricedPackage => ({
          packageId: id, packageKind: 'PLAN', version: 1, quantityOf: () => 1,
          prices: [{ billingPeriod: p.period, billingModel: 'FLAT_FEE', featureId: null, countryCode: null, currency: 'usd', amount, tiersMode: null, tiers: null, billingId: null }],
        });
        const result = prorateChange({ current: { packages: [flat('plan-old', oldAmount)], billingPeriod: p.period, billingPeriodRange: range }, next: { packages: [flat('plan-new', newAmount)], billingPeriod: p.period }, billingCountryCode: null, prorationDate });
        if ('problem' in result) throw new Error(result.problem.message);
        const remaining = unixSeconds(range.end) - unixSeconds(prorationDate);
        const length = unixSeconds(range.end) - unixSeconds(range.start);
        const rounded = (amount: number) => {
          const exact = BigInt(amount) * remaining;
          return Number(2n * (exact % length) >= length ? exact / length + 1n : exact / length);
        };
        expect(result.estimate.proration.credit.amount).toBe(0 - rounded(oldAmount));
        expect(result.estimate.proration.debit.amount).toBe(rounded(newAmount));
      }),
      { numRuns: 300 },
    );
  });
});
