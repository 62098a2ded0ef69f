import { describe, expect, it } from 'vitest';
import { prorateChange, type SubscriptionChange } from '../../../src/domain/pricing/prorateChange';
import type { SubscriptionChangeEstimate } from '../../../src/domain/pricing/pricing.types';
import type { PricedPackage } from '../../../src/domain/subscriptions/choosePrices';
import { exampleCatalog } from '../../support/exampleCatalog';
import { addon, at, percentOff, plan, planWith } from './pricingFixtures';

// March 2026: 31 days = 2,678,400 s. A change at 2026-03-10T12:00:00Z leaves 21.5 days = 1,857,600 s.
const MARCH = { start: at('2026-03-01T00:00:00Z'), end: at('2026-04-01T00:00:00Z') };
const MID_MARCH = at('2026-03-10T12:00:00Z');

function change(input: {
  from: PricedPackage[]; to: PricedPackage[]; at: Date; range?: { start: Date; end: Date };
  fromPeriod?: 'MONTHLY' | 'ANNUALLY'; toPeriod?: 'MONTHLY' | 'ANNUALLY'; extra?: Partial<SubscriptionChange>;
}): SubscriptionChangeEstimate {
  const result = prorateChange({
    current: { packages: input.from, billingPeriod: input.fromPeriod ?? 'MONTHLY', billingPeriodRange: input.range ?? MARCH },
    next: { packages: input.to, billingPeriod: input.toPeriod ?? input.fromPeriod ?? 'MONTHLY' },
    billingCountryCode: null,
    prorationDate: input.at,
    ...input.extra,
  });
  if ('problem' in result) throw new Error(`${result.problem.field}: ${result.problem.message}`);
  return result.estimate;
}

const proration = (e: SubscriptionChangeEstimate) => ({ credit: e.proration.credit.amount, debit: e.proration.debit.amount, net: e.proration.netAmount.amount });
const lines = (e: SubscriptionChangeEstimate) => e.lines.map((line) => [line.proration, line.price.packageId, line.price.featureId, line.amount.amount]);

const flat = (id: string, amount: number) => planWith(id, { billingPeriod: 'MONTHLY', billingModel: 'FLAT_FEE', currency: 'usd', amount });

describe('prorations of a mid-period change', () => {
  it('Stripe’s example: 10 USD → 20 USD halfway through the period credits 5 USD and debits 10 USD', () => {
    // April 2026 = 30 days; on April 16 at 00:00, 15 days = half the period remain: −1000 / 2 = −500, +2000 / 2 = +1000.
    const e = change({ from: [flat('plan-ten', 1000)], to: [flat('plan-twenty', 2000)], at: at('2026-04-16T00:00:00Z'), range: { start: at('2026-04-01T00:00:00Z'), end: at('2026-05-01T00:00:00Z') } });
    expect(proration(e)).toEqual({ credit: -500, debit: 1000, net: 500 });
    expect(e.proration.prorationDate).toEqual(at('2026-04-16T00:00:00Z'));
    expect(e.total.amount).toBe(500);
  });

  it('an upgrade basic → pro (3 seats) mid-March, to the second', () => {
    // ratio = 1,857,600 / 2,678,400 = 0.693548…
    // credit basic 1900 × ratio = 1317.74 → −1318; debit pro 4900 × ratio = 3398.39 → 3398, seats 3600 × ratio = 2496.77 → 2497.
    const e = change({ from: [plan('plan-basic')], to: [plan('plan-pro', { 'feature-seats': 3 })], at: MID_MARCH });
    expect(lines(e)).toEqual([
      ['CREDIT', 'plan-basic', null, -1318],
      ['DEBIT', 'plan-pro', null, 3398],
      ['DEBIT', 'plan-pro', 'feature-seats', 2497],
    ]);
    expect(proration(e)).toEqual({ credit: -1318, debit: 5895, net: 4577 });
    // The subscription after the change, un-prorated: 4900 + 3 × 1200 = 8500.
    expect(e.subscription.total.amount).toBe(8500);
    expect(e.billingPeriodRange).toEqual(MARCH);
  });

  it('a downgrade pro (3 seats) → basic late in March nets a credit', () => {
    // 2026-03-25T06:30:00Z leaves 581,400 s; ratio = 581,400 / 2,678,400 = 0.217070…
    // credit 4900 × ratio = 1063.64 → 1064 and 3600 × ratio = 781.45 → 781; debit 1900 × ratio = 412.43 → 412.
    const e = change({ from: [plan('plan-pro', { 'feature-seats': 3 })], to: [plan('plan-basic')], at: at('2026-03-25T06:30:00Z') });
    expect(proration(e)).toEqual({ credit: -(1064 + 781), debit: 412, net: 412 - 1845 });
    expect(e.total.amount).toBe(-1433);
  });

  it('a localized upgrade in Denmark prorates the Danish prices, in kroner', () => {
    // DK rows: basic 13900 dkk; pro 34300 dkk + 8400 dkk a seat. ratio = 1,857,600 / 2,678,400.
    // credit 13900 × ratio = 9640.32 → −9640; debit 34300 × ratio = 23788.71 → 23789 and 2 × 8400 = 16800 × ratio = 11651.61 → 11652.
    const denmark = exampleCatalog((input) => {
      const pro = input.plans.find((p) => p.id === 'plan-pro')!;
      pro.prices!.filter((p) => p.billingPeriod === 'MONTHLY').forEach((p) => (p.countryPrices = [{ countryCode: 'DK', currency: 'dkk', amount: (p.amount ?? 0) * 7 }]));
    });
    const e = change({
      from: [plan('plan-basic', {}, denmark)], to: [plan('plan-pro', { 'feature-seats': 2 }, denmark)], at: MID_MARCH, extra: { billingCountryCode: 'DK' },
    });
    expect(proration(e)).toEqual({ credit: -9640, debit: 23789 + 11652, net: 25801 });
    expect(e.proration.netAmount.currency).toBe('dkk');
    expect(e.subscription.total).toEqual({ amount: 34300 + 16800, currency: 'dkk' });
  });

  it('more seats prorate only the seats line: 3 → 5 seats mid-March', () => {
    // The flat 4900 is unchanged (no line); credit 3600 × ratio = 2496.77 → −2497, debit 6000 × ratio = 4161.29 → 4161.
    const e = change({ from: [plan('plan-pro', { 'feature-seats': 3 })], to: [plan('plan-pro', { 'feature-seats': 5 })], at: MID_MARCH });
    expect(lines(e)).toEqual([
      ['CREDIT', 'plan-pro', 'feature-seats', -2497],
      ['DEBIT', 'plan-pro', 'feature-seats', 4161],
    ]);
    expect(proration(e)).toEqual({ credit: -2497, debit: 4161, net: 1664 });
  });

  it('adding 2 add-ons mid-March debits only them: 2 × 500 = 1000 × ratio = 693.55 → 694', () => {
    const e = change({ from: [plan('plan-basic')], to: [plan('plan-basic'), addon('addon-extra-projects', 2)], at: MID_MARCH });
    expect(proration(e)).toEqual({ credit: 0, debit: 694, net: 694 });
    expect(e.subscription.total.amount).toBe(1900 + 1000);
  });

  it('an annual graduated-tier upgrade from 8 to 12 seats halfway through the year', () => {
    // 2026 has 365 days; on 2026-07-02 183 days remain: ratio 183 / 365.
    // 8 seats = 8 × 12000 = 96000 → × 183/365 = 48131.51 → −48132; 12 seats = 10 × 12000 + 2 × 9600 = 139200 → 69790.68 → 69791.
    const e = change({
      from: [plan('plan-pro', { 'feature-seats': 8 })], to: [plan('plan-pro', { 'feature-seats': 12 })], at: at('2026-07-02T00:00:00Z'),
      range: { start: at('2026-01-01T00:00:00Z'), end: at('2027-01-01T00:00:00Z') }, fromPeriod: 'ANNUALLY',
    });
    expect(proration(e)).toEqual({ credit: -48132, debit: 69791, net: 21659 });
    expect(e.subscription.subTotal.amount).toBe(49000 + 139200);
  });

  it('monthly → annual restarts the cycle at the change: unused month credited, a whole year debited', () => {
    // credit 1900 × ratio = −1318; debit the annual 19000 in full; the new period runs a year from the change.
    const e = change({ from: [plan('plan-basic')], to: [plan('plan-basic')], at: MID_MARCH, toPeriod: 'ANNUALLY' });
    expect(proration(e)).toEqual({ credit: -1318, debit: 19000, net: 17682 });
    expect(e.billingPeriodRange).toEqual({ start: MID_MARCH, end: at('2027-03-10T12:00:00Z') });
  });

  it('an update that changes nothing makes no lines and nets to zero', () => {
    const e = change({ from: [plan('plan-pro', { 'feature-seats': 3 }), addon('addon-extra-projects', 1)], to: [plan('plan-pro', { 'feature-seats': 3 }), addon('addon-extra-projects', 1)], at: MID_MARCH });
    expect(e.lines).toEqual([]);
    expect(proration(e)).toEqual({ credit: 0, debit: 0, net: 0 });
    expect(e.total.amount).toBe(0);
  });

  it('a running percentage discount and an exclusive tax apply to the proration invoice, line by line', () => {
    // Lines −1318, 3398, 2497: subTotal 4577; 20 % = 915.4 → 915, shared by weight: −1318 → 915 × −1318 / 4577 = −263.48 → −263,
    // 3398 → 679.30 → 679, 2497 → 915 + 263 − 679 = 499. Discounted: −1055, 2719, 1998 (= 3662).
    // Tax 10 %: −105.5 → −106 (away from zero), 271.9 → 272, 199.8 → 200: 366. Total 3662 + 366 = 4028.
    const e = change({
      from: [plan('plan-basic')], to: [plan('plan-pro', { 'feature-seats': 3 })], at: MID_MARCH,
      extra: { discount: percentOff(20, 'FOREVER', MARCH.start), taxRates: [{ displayName: 'Tax', percentage: 10, inclusive: false }] },
    });
    expect({ subTotal: e.subTotal.amount, discount: e.discount?.amount.amount, tax: e.tax.amount, total: e.total.amount }).toEqual({ subTotal: 4577, discount: 915, tax: 366, total: 4028 });
    // Un-prorated after the change: 8500 − 20 % (1700) = 6800, shared 980 / 720 → 3920 and 2880, tax 392 + 288 = 680 → 7480.
    expect(e.subscription).toMatchObject({ subTotal: { amount: 8500 }, tax: { amount: 680 }, total: { amount: 7480 } });
  });

  it('a promotion code given with the update applies to its invoice; a ONCE coupon from the start does not', () => {
    // 3 → 5 seats: −2497 + 4161 = 1664; a 50 % code redeemed now takes 832.
    const from = [plan('plan-pro', { 'feature-seats': 3 })];
    const to = [plan('plan-pro', { 'feature-seats': 5 })];
    const redeemedNow = change({ from, to, at: MID_MARCH, extra: { discount: { ...percentOff(50, 'ONCE', MID_MARCH), promotionCode: 'HALF' } } });
    expect(redeemedNow.total.amount).toBe(832);
    expect(redeemedNow.discount).toMatchObject({ promotionCode: 'HALF', amount: { amount: 832 } });
    const usedAtStart = change({ from, to, at: MID_MARCH, extra: { discount: percentOff(50, 'ONCE', MARCH.start) } });
    expect(usedAtStart.total.amount).toBe(1664);
    expect(usedAtStart.discount).toBeUndefined();
  });

  it('a proration date outside the current period is refused, naming prorationDate', () => {
    const result = prorateChange({
      current: { packages: [plan('plan-basic')], billingPeriod: 'MONTHLY', billingPeriodRange: MARCH },
      next: { packages: [plan('plan-pro', { 'feature-seats': 1 })], billingPeriod: 'MONTHLY' },
      billingCountryCode: null, prorationDate: at('2026-04-02T00:00:00Z'),
    });
    expect(result).toEqual({ problem: { field: 'prorationDate', message: 'must fall within the current billing period' } });
  });
});
