import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addonPackage, packagesOfPrices, planPackage } from '../../../src/domain/pricing/estimatePackages';
import { priceSubscription } from '../../../src/domain/pricing/priceSubscription';
import type { TaxRate } from '../../../src/domain/pricing/pricing.types';
import { prorateChange } from '../../../src/domain/pricing/prorateChange';
import { choosePrices } from '../../../src/domain/subscriptions/choosePrices';
import type { StoredPrice } from '../../../src/domain/subscriptions/chosenPrice';
import { billingPeriodEnd } from '../../../src/domain/subscriptions/trialEnd';

// estimateSubscriptionUpdate prices the subscription as it is from the prices it holds (packagesOfPrices) and as it would
// be from the catalog's version prices at the update's quantities (planPackage / addonPackage, as updates choose them):
// an update that changes nothing must therefore net to zero, whatever the prices, quantities, country, taxes and time.
type Period = 'MONTHLY' | 'ANNUALLY';
const price = (period: Period, featureId: string | null, countryCode: string | null, currency: string, amount: number, tiered: boolean): StoredPrice =>
  tiered && featureId !== null
    ? { billingPeriod: period, billingModel: 'TIERED', featureId, countryCode, currency, amount: null, tiersMode: amount % 2 === 0 ? 'GRADUATED' : 'VOLUME', tiers: [{ upTo: 5, unitAmount: amount }, { unitAmount: Math.floor(amount / 2), flatAmount: 100 }], billingId: null }
    : { billingPeriod: period, billingModel: featureId === null ? 'FLAT_FEE' : 'PER_UNIT', featureId, countryCode, currency, amount, tiersMode: null, tiers: null, billingId: null };

// A version's price rows: a flat fee and two per-unit or tiered features in both periods, some localized for DK.
const versionPricesArb = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 500_000 }), fc.boolean()), { minLength: 6, maxLength: 6 })
  .map((rows) =>
    (['MONTHLY', 'ANNUALLY'] as const).flatMap((period, p) =>
      [null, 'feature-a', 'feature-b'].flatMap((featureId, f) => {
        const [amount, tiered] = rows[p * 3 + f]!;
        return [price(period, featureId, null, 'usd', amount, tiered), ...(f === 0 ? [price(period, featureId, 'DK', 'dkk', amount * 7, false)] : [])];
      }),
    ),
  );
const flatOnly = (prices: StoredPrice[]) => prices.filter((p) => p.featureId === null).map((p) => ({ ...p, currency: 'usd', countryCode: null }));

const taxRatesArb = fc.array(
  fc.record({ displayName: fc.constant('Tax'), percentage: fc.integer({ min: 0, max: 300_000 }).map((n) => n / 10_000), inclusive: fc.boolean() }),
  { maxLength: 2 },
) as fc.Arbitrary<TaxRate[]>;

describe('update estimates from held prices', () => {
  it('an update estimate with no change nets to zero, and the subscription after it is priced as it is now', () => {
    fc.assert(
      fc.property(
        versionPricesArb, versionPricesArb,
        fc.record({ 'feature-a': fc.integer({ min: 1, max: 40 }), 'feature-b': fc.integer({ min: 1, max: 40 }) }),
        fc.integer({ min: 0, max: 10 }),
        fc.constantFrom<Period>('MONTHLY', 'ANNUALLY'),
        fc.constantFrom(null, 'US'),
        fc.integer({ min: Date.UTC(2026, 0, 1) / 1000, max: Date.UTC(2031, 0, 1) / 1000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        taxRatesArb,
        (planPrices, addonPrices, units, addonQuantity, period, country, startSeconds, elapsed, taxRates) => {
          const billableFeatures = Object.entries(units).map(([featureId, quantity]) => ({ featureId, quantity }));
          const packages = [
            planPackage({ id: 'plan-a', version: 3, prices: planPrices }, billableFeatures),
            ...(addonQuantity > 0 ? [addonPackage({ id: 'addon-a', version: 2, prices: flatOnly(addonPrices) }, addonQuantity)] : []),
          ];
          const held = choosePrices(packages, period, country);
          if ('problem' in held) throw new Error(held.problem);
          const start = new Date(startSeconds * 1000);
          const end = billingPeriodEnd(start, period);
          const prorationDate = new Date(start.getTime() + Math.floor(((end.getTime() - start.getTime()) / 1000) * elapsed) * 1000);
          const result = prorateChange({
            current: { packages: packagesOfPrices(held.prices), billingPeriod: period, billingPeriodRange: { start, end } },
            next: { packages, billingPeriod: period },
            billingCountryCode: country, prorationDate, taxRates,
          });
          if ('problem' in result) throw new Error(result.problem.message);
          const e = result.estimate;
          expect([e.proration.credit.amount, e.proration.debit.amount, e.proration.netAmount.amount, e.total.amount, e.tax.amount, e.lines.length]).toEqual([0, 0, 0, 0, 0, 0]);
          const now = priceSubscription({ packages: packagesOfPrices(held.prices), billingPeriod: period, billingCountryCode: country, periodStart: start, taxRates });
          if ('problem' in now) throw new Error(now.problem.message);
          expect(e.subscription).toEqual({ total: now.estimate.total, totalExcludingTax: now.estimate.totalExcludingTax, subTotal: now.estimate.subTotal, tax: now.estimate.tax });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('held prices come back as the packages they were chosen from: each price once, at its own quantity', () => {
    const plan = planPackage({ id: 'plan-a', version: 3, prices: [price('MONTHLY', null, null, 'usd', 4900, false), price('MONTHLY', 'feature-a', null, 'usd', 1200, false)] }, [{ featureId: 'feature-a', quantity: 7 }]);
    const addon = addonPackage({ id: 'addon-a', version: 2, prices: [price('MONTHLY', null, null, 'usd', 500, false)] }, 4);
    const held = choosePrices([plan, addon], 'MONTHLY', null);
    if ('problem' in held) throw new Error(held.problem);
    const rebuilt = packagesOfPrices(held.prices);
    expect(rebuilt.map((p) => [p.packageKind, p.packageId, p.version, p.prices.length, p.quantityOf(null), p.quantityOf('feature-a')])).toEqual([
      ['PLAN', 'plan-a', 3, 2, 1, 7],
      ['ADDON', 'addon-a', 2, 1, 4, 0],
    ]);
  });
});
