import { describe, expect, it } from 'vitest';
import { priceSubscription, type SubscriptionPricing } from '../../../src/domain/pricing/priceSubscription';
import type { SubscriptionEstimate } from '../../../src/domain/pricing/pricing.types';
import { addMonths } from '../../../src/domain/subscriptions/trialEnd';
import { exampleCatalog } from '../../support/exampleCatalog';
import { addon, amountOff, at, percentOff, plan, planWith } from './pricingFixtures';

const START = at('2026-03-01T00:00:00Z');

function estimate(input: Partial<SubscriptionPricing> & Pick<SubscriptionPricing, 'packages'>): SubscriptionEstimate {
  const result = priceSubscription({ billingPeriod: 'MONTHLY', billingCountryCode: null, periodStart: START, ...input });
  if ('problem' in result) throw new Error(`${result.problem.field}: ${result.problem.message}`);
  return result.estimate;
}

const figures = (e: SubscriptionEstimate) => ({
  subTotal: e.subTotal.amount, discount: e.discount?.amount.amount ?? 0, tax: e.tax.amount, totalExcludingTax: e.totalExcludingTax.amount, total: e.total.amount,
});
const noDiscountNoTax = (amount: number) => ({ subTotal: amount, discount: 0, tax: 0, totalExcludingTax: amount, total: amount });

const TIERS = [
  { upTo: 5, unitAmount: 1000, flatAmount: 500 },
  { upTo: 10, unitAmount: 800, flatAmount: 300 },
  { unitAmount: 500 },
];
const tiered = (mode: 'GRADUATED' | 'VOLUME', units: number) =>
  planWith('plan-tiered', { billingPeriod: 'MONTHLY', billingModel: 'TIERED', featureId: 'feature-seats', tiersMode: mode, currency: 'usd', tiers: TIERS }, units);

describe('pricing a whole billing period', () => {
  it('a flat monthly fee is its amount: basic = 19.00 USD', () => {
    const e = estimate({ packages: [plan('plan-basic')] });
    expect(figures(e)).toEqual(noDiscountNoTax(1900));
    expect(e.total).toEqual({ amount: 1900, currency: 'usd' });
  });

  it('a per-unit price is amount × units: pro with 5 seats = 4900 + 5 × 1200 = 10900', () => {
    const e = estimate({ packages: [plan('plan-pro', { 'feature-seats': 5 })] });
    expect(e.lines.map((line) => line.amount.amount)).toEqual([4900, 5 * 1200]);
    expect(figures(e)).toEqual(noDiscountNoTax(10900));
  });

  it('graduated tiers price each unit in its own tier: pro annual with 13 seats = 49000 + 10 × 12000 + 3 × 9600 = 197800', () => {
    const e = estimate({ packages: [plan('plan-pro', { 'feature-seats': 13 })], billingPeriod: 'ANNUALLY' });
    expect(figures(e)).toEqual(noDiscountNoTax(49000 + 120000 + 28800));
  });

  it('graduated tiers add each reached tier’s flat amount: 12 units = (5 × 1000 + 500) + (5 × 800 + 300) + 2 × 500 = 10800', () => {
    expect(figures(estimate({ packages: [tiered('GRADUATED', 12)] }))).toEqual(noDiscountNoTax(5500 + 4300 + 1000));
  });

  it('volume tiers price every unit at the tier the quantity falls in, plus that tier’s flat amount once', () => {
    // 5 units: tier 1 (upTo 5 is inclusive) = 5 × 1000 + 500 = 5500; 7 units: tier 2 = 7 × 800 + 300 = 5900; 12 units: tier 3 = 12 × 500 = 6000.
    expect(estimate({ packages: [tiered('VOLUME', 5)] }).total.amount).toBe(5500);
    expect(estimate({ packages: [tiered('VOLUME', 7)] }).total.amount).toBe(5900);
    expect(estimate({ packages: [tiered('VOLUME', 12)] }).total.amount).toBe(6000);
  });

  it('no units of a tiered price cost nothing, flat amounts included', () => {
    expect(estimate({ packages: [tiered('GRADUATED', 0)] }).total.amount).toBe(0);
    expect(estimate({ packages: [tiered('VOLUME', 0)] }).total.amount).toBe(0);
  });

  it('an annual period ends a calendar year later; a monthly one a month later, clamped to the month’s end', () => {
    const annual = estimate({ packages: [plan('plan-basic')], billingPeriod: 'ANNUALLY', periodStart: at('2026-01-31T10:00:00Z') });
    expect(annual.total.amount).toBe(19000);
    expect(annual.billingPeriodRange).toEqual({ start: at('2026-01-31T10:00:00Z'), end: at('2027-01-31T10:00:00Z') });
    const monthly = estimate({ packages: [plan('plan-basic')], periodStart: at('2026-01-31T10:00:00Z') });
    expect(monthly.billingPeriodRange.end).toEqual(at('2026-02-28T10:00:00Z'));
  });

  it('add-ons are their price × quantity: basic + 3 × extra projects = 1900 + 3 × 500 = 3400', () => {
    const e = estimate({ packages: [plan('plan-basic'), addon('addon-extra-projects', 3)] });
    expect(e.lines.map((line) => [line.price.packageId, line.quantity, line.amount.amount])).toEqual([
      ['plan-basic', 1, 1900],
      ['addon-extra-projects', 3, 1500],
    ]);
    expect(figures(e)).toEqual(noDiscountNoTax(3400));
  });

  it('a billing country with a localized price pays it, in its currency; one without pays the default', () => {
    expect(estimate({ packages: [plan('plan-basic')], billingCountryCode: 'DK' }).total).toEqual({ amount: 13900, currency: 'dkk' });
    expect(estimate({ packages: [plan('plan-basic')], billingCountryCode: 'FR' }).total).toEqual({ amount: 1900, currency: 'usd' });
  });

  it('localized tiers and add-ons: pro annual in Denmark with 12 seats and 2 add-ons, 25 % VAT inside', () => {
    // DK rows: flat 350000 dkk; graduated seats 10 × 90000 + 2 × 70000 = 1040000; add-on 37500 × 2 = 75000.
    // subTotal = 350000 + 1040000 + 75000 = 1465000 dkk; net = 1465000 × 100 / 125 per line: 280000 + 832000 + 60000 = 1172000; VAT 293000.
    const denmark = exampleCatalog((input) => {
      const pro = input.plans.find((p) => p.id === 'plan-pro')!;
      const annualFlat = pro.prices!.find((p) => p.billingPeriod === 'ANNUALLY' && p.billingModel === 'FLAT_FEE')!;
      annualFlat.countryPrices = [{ countryCode: 'DK', currency: 'dkk', amount: 350000 }];
      const annualSeats = pro.prices!.find((p) => p.billingPeriod === 'ANNUALLY' && p.billingModel === 'TIERED')!;
      annualSeats.countryPrices = [{ countryCode: 'DK', currency: 'dkk', tiers: [{ upTo: 10, unitAmount: 90000 }, { unitAmount: 70000 }] }];
      const extra = input.addons.find((a) => a.id === 'addon-extra-projects')!;
      extra.prices!.find((p) => p.billingPeriod === 'ANNUALLY')!.countryPrices = [{ countryCode: 'DK', currency: 'dkk', amount: 37500 }];
    });
    const e = estimate({
      packages: [plan('plan-pro', { 'feature-seats': 12 }, denmark), addon('addon-extra-projects', 2, denmark)], billingPeriod: 'ANNUALLY', billingCountryCode: 'DK',
      taxRates: [{ displayName: 'Moms', percentage: 25, inclusive: true }],
    });
    expect(e.lines.map((line) => [line.price.countryCode, line.amount.amount])).toEqual([['DK', 350000], ['DK', 1040000], ['DK', 75000]]);
    expect(figures(e)).toEqual({ subTotal: 1465000, discount: 0, tax: 293000, totalExcludingTax: 1172000, total: 1465000 });
    expect(e.total.currency).toBe('dkk');
  });

  it('prices that would mix currencies for a country are refused, naming billingCountryCode', () => {
    // basic is localized for DK (dkk), the add-on is not (usd): one subscription bills in one currency.
    const result = priceSubscription({ packages: [plan('plan-basic'), addon('addon-extra-projects', 1)], billingPeriod: 'MONTHLY', billingCountryCode: 'DK', periodStart: START });
    expect(result).toEqual({ problem: { field: 'billingCountryCode', message: expect.stringContaining('several currencies (dkk, usd)') } });
  });

  it('a free plan costs nothing', () => {
    expect(figures(estimate({ packages: [plan('plan-free')] }))).toEqual(noDiscountNoTax(0));
  });

  it('an amount JavaScript cannot hold exactly is refused, naming quantity', () => {
    // 9,000,000,000,000,000 seats × 1200 cents is far beyond 2^53 − 1.
    const result = priceSubscription({ packages: [plan('plan-pro', { 'feature-seats': 9e15 })], billingPeriod: 'MONTHLY', billingCountryCode: null, periodStart: START });
    expect(result).toEqual({ problem: { field: 'quantity', message: expect.any(String) } });
  });
});

describe('discounts: coupons and promotion codes', () => {
  const PRO = [plan('plan-pro', { 'feature-seats': 5 })]; // 10900 a month

  it('a 20 % ONCE coupon takes 20 % of the first invoice only: 10900 × 0.20 = 2180, total 8720', () => {
    const discount = percentOff(20, 'ONCE', START);
    const first = estimate({ packages: PRO, discount });
    expect(figures(first)).toEqual({ subTotal: 10900, discount: 2180, tax: 0, totalExcludingTax: 8720, total: 8720 });
    expect(first.discount).toMatchObject({ type: 'PERCENTAGE', value: 20, durationType: 'ONCE' });
    expect(estimate({ packages: PRO, discount, periodStart: addMonths(START, 1) }).total.amount).toBe(10900);
  });

  it('a 20 % coupon REPEATING for 3 months discounts the invoices of months 0, 1 and 2 of a monthly plan, not month 3', () => {
    const discount = percentOff(20, 'REPEATING', START, 3);
    const totals = [0, 1, 2, 3].map((month) => estimate({ packages: PRO, discount, periodStart: addMonths(START, month) }).total.amount);
    expect(totals).toEqual([8720, 8720, 8720, 10900]);
  });

  it('a 3-month REPEATING coupon on an annual plan discounts the first year’s invoice only', () => {
    // basic annual 19000; 20 % of it = 3800 → 15200; the second year starts 12 months on, past the 3 months.
    const discount = percentOff(20, 'REPEATING', START, 3);
    expect(estimate({ packages: [plan('plan-basic')], billingPeriod: 'ANNUALLY', discount }).total.amount).toBe(15200);
    expect(estimate({ packages: [plan('plan-basic')], billingPeriod: 'ANNUALLY', discount, periodStart: addMonths(START, 12) }).total.amount).toBe(19000);
  });

  it('a FOREVER fixed promotion code takes its amount off every invoice: 1900 − 500 = 1400, still in month 24', () => {
    const discount = amountOff(500, 'usd', 'FOREVER', START);
    const first = estimate({ packages: [plan('plan-basic')], discount });
    expect(figures(first)).toEqual({ subTotal: 1900, discount: 500, tax: 0, totalExcludingTax: 1400, total: 1400 });
    expect(first.discount).toMatchObject({ type: 'FIXED', value: 500, durationType: 'FOREVER', promotionCode: 'SAVE' });
    expect(estimate({ packages: [plan('plan-basic')], discount, periodStart: addMonths(START, 24) }).total.amount).toBe(1400);
  });

  it('a fixed amount larger than the invoice takes the invoice to zero, never below', () => {
    const e = estimate({ packages: [plan('plan-basic')], discount: amountOff(2500, 'usd', 'ONCE', START) });
    expect(figures(e)).toEqual({ subTotal: 1900, discount: 1900, tax: 0, totalExcludingTax: 0, total: 0 });
  });

  it('a fixed coupon with no amount in the invoice’s currency is refused, naming promotionCode', () => {
    const result = priceSubscription({
      packages: [plan('plan-basic')], billingPeriod: 'MONTHLY', billingCountryCode: 'DK', periodStart: START, discount: amountOff(500, 'usd', 'ONCE', START),
    });
    expect(result).toEqual({ problem: { field: 'promotionCode', message: 'coupon "coupon-500usd" has no amount off in dkk' } });
  });
});

describe('taxes', () => {
  it('an exclusive 8.25 % tax adds to the total: 10900 × 0.0825 = 899.25 → 899, total 11799', () => {
    const e = estimate({ packages: [plan('plan-pro', { 'feature-seats': 5 })], taxRates: [{ displayName: 'Sales tax', percentage: 8.25, inclusive: false }] });
    // Per line: 4900 × 0.0825 = 404.25 → 404; 6000 × 0.0825 = 495; 404 + 495 = 899.
    expect(figures(e)).toEqual({ subTotal: 10900, discount: 0, tax: 899, totalExcludingTax: 10900, total: 11799 });
    expect(e.taxDetails).toEqual([
      { displayName: 'Sales tax', inclusive: false, percentage: 8.25, taxableAmount: { amount: 10900, currency: 'usd' }, amount: { amount: 899, currency: 'usd' } },
    ]);
  });

  it('an inclusive 25 % VAT is inside the localized price: 13900 DKK = 11120 net + 2780 VAT', () => {
    // net = 13900 × 100 / 125 = 11120; VAT = 13900 − 11120 = 2780; the customer pays 13900.
    const e = estimate({ packages: [plan('plan-basic')], billingCountryCode: 'DK', taxRates: [{ displayName: 'Moms', percentage: 25, inclusive: true }] });
    expect(figures(e)).toEqual({ subTotal: 13900, discount: 0, tax: 2780, totalExcludingTax: 11120, total: 13900 });
    expect(e.total.currency).toBe('dkk');
  });

  it('an inclusive 19 % tax rounds the net: 1900 / 1.19 = 1596.64 → 1597 net, 303 tax', () => {
    const e = estimate({ packages: [plan('plan-basic')], taxRates: [{ displayName: 'MwSt', percentage: 19, inclusive: true }] });
    expect(figures(e)).toEqual({ subTotal: 1900, discount: 0, tax: 303, totalExcludingTax: 1597, total: 1900 });
  });

  it('taxes apply after the discount, on each line’s share of it', () => {
    // 20 % of 10900 = 2180, shared: flat 2180 × 4900 / 10900 = 980, seats 2180 − 980 = 1200 → lines 3920 and 4800.
    // Tax 8.25 %: 3920 × 0.0825 = 323.4 → 323; 4800 × 0.0825 = 396; 719. Total 10900 − 2180 + 719 = 9439.
    const e = estimate({
      packages: [plan('plan-pro', { 'feature-seats': 5 })], discount: percentOff(20, 'FOREVER', START),
      taxRates: [{ displayName: 'Sales tax', percentage: 8.25, inclusive: false }],
    });
    expect(figures(e)).toEqual({ subTotal: 10900, discount: 2180, tax: 719, totalExcludingTax: 8720, total: 9439 });
  });

  it('halves round away from zero: 25 cents × 10 % = 2.5 → 3', () => {
    const e = estimate({ packages: [planWith('plan-cheap', { billingPeriod: 'MONTHLY', billingModel: 'FLAT_FEE', currency: 'usd', amount: 25 })], taxRates: [{ displayName: 'Tax', percentage: 10, inclusive: false }] });
    expect(figures(e)).toEqual({ subTotal: 25, discount: 0, tax: 3, totalExcludingTax: 25, total: 28 });
  });

  it('inclusive and exclusive rates together: the exclusive one taxes the net of the inclusive one', () => {
    // 1000 with 10 % inclusive: net = 1000 / 1.1 = 909.09 → 909, inclusive tax 91; 5 % exclusive on 909 = 45.45 → 45.
    // total = 1000 + 45 = 1045; excluding tax = 1000 − 91 = 909; tax = 91 + 45 = 136.
    const e = estimate({
      packages: [planWith('plan-thousand', { billingPeriod: 'MONTHLY', billingModel: 'FLAT_FEE', currency: 'usd', amount: 1000 })],
      taxRates: [{ displayName: 'VAT', percentage: 10, inclusive: true }, { displayName: 'Levy', percentage: 5, inclusive: false }],
    });
    expect(figures(e)).toEqual({ subTotal: 1000, discount: 0, tax: 136, totalExcludingTax: 909, total: 1045 });
    expect(e.taxDetails.map((t) => t.amount.amount)).toEqual([91, 45]);
  });

  it('two inclusive rates share the tax inside the price by their percentages', () => {
    // net = 1000 / 1.15 = 869.57 → 870; tax inside = 130; 10 % share = 130 × 10 / 15 = 86.67 → 87; 5 % share = 130 − 87 = 43.
    const e = estimate({
      packages: [planWith('plan-thousand', { billingPeriod: 'MONTHLY', billingModel: 'FLAT_FEE', currency: 'usd', amount: 1000 })],
      taxRates: [{ displayName: 'State', percentage: 10, inclusive: true }, { displayName: 'City', percentage: 5, inclusive: true }],
    });
    expect(e.taxDetails.map((t) => t.amount.amount)).toEqual([87, 43]);
    expect(figures(e)).toEqual({ subTotal: 1000, discount: 0, tax: 130, totalExcludingTax: 870, total: 1000 });
  });

  it('a tax percentage with more than 4 decimals is refused, naming the rate', () => {
    const result = priceSubscription({ packages: [plan('plan-basic')], billingPeriod: 'MONTHLY', billingCountryCode: null, periodStart: START, taxRates: [{ displayName: 'x', percentage: 12.34567, inclusive: false }] });
    expect(result).toEqual({ problem: { field: 'taxRates[0].percentage', message: expect.any(String) } });
  });
});
