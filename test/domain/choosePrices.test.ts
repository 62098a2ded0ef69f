import { describe, expect, it } from 'vitest';
import type { CatalogDocument } from '../../src/domain/catalog/catalogDocument';
import { choosePrices, type PricedPackage } from '../../src/domain/subscriptions/choosePrices';
import { exampleCatalog } from '../support/exampleCatalog';
import { storedPrices } from '../support/storedPrices';


function priced(document: CatalogDocument, id: string, quantities: Record<string, number> = {}, addonQuantity = 1): PricedPackage {
  const plan = document.plans.find((p) => p.id === id);
  const pkg = plan ?? document.addons.find((a) => a.id === id)!;
  return {
    packageId: id,
    packageKind: plan ? 'PLAN' : 'ADDON',
    version: 2,
    prices: storedPrices(pkg),
    quantityOf: plan ? (featureId) => (featureId === null ? 1 : quantities[featureId]!) : () => addonQuantity,
  };
}

const CATALOG = exampleCatalog();
// Pro localized for Denmark on both of its monthly prices; basic only on its flat fee.
const LOCALIZED = exampleCatalog((input) => {
  const pro = input.plans.find((plan) => plan.id === 'plan-pro')!;
  pro.prices!.filter((price) => price.billingPeriod === 'MONTHLY').forEach((price) => (price.countryPrices = [{ countryCode: 'DK', currency: 'dkk', amount: (price.amount ?? 0) * 7 }]));
  const addon = input.addons.find((a) => a.id === 'addon-extra-projects')!;
  addon.prices![0]!.countryPrices = [{ countryCode: 'DK', currency: 'dkk', amount: 3500 }];
});

const summary = (prices: { packageId: string; featureId: string | null; countryCode: string | null; currency: string; amount: number | null; quantity: number }[]) =>
  prices.map(({ packageId, featureId, countryCode, currency, amount, quantity }) => ({ packageId, featureId, countryCode, currency, amount, quantity }));

const chosen = (packages: PricedPackage[], period: 'MONTHLY' | 'ANNUALLY', country: string | null) => {
  const choice = choosePrices(packages, period, country);
  if ('problem' in choice) throw new Error(choice.problem);
  return choice;
};

describe('choosePrices', () => {
  it('takes the default row of the period when no country is given, with everything the subscription records', () => {
    expect(chosen([priced(CATALOG, 'plan-basic')], 'MONTHLY', null)).toEqual({
      currency: 'usd',
      prices: [
        {
          packageId: 'plan-basic',
          packageKind: 'PLAN',
          version: 2,
          billingPeriod: 'MONTHLY',
          billingModel: 'FLAT_FEE',
          featureId: null,
          countryCode: null,
          currency: 'usd',
          amount: 1900,
          tiersMode: null,
          tiers: null,
          quantity: 1,
          billingId: 'price_plan-basic_0_default',
        },
      ],
    });
  });

  it('takes the billing country\'s localized row when the catalog has one', () => {
    const choice = chosen([priced(CATALOG, 'plan-basic')], 'MONTHLY', 'DK');
    expect(choice.currency).toBe('dkk');
    expect(summary(choice.prices)).toEqual([{ packageId: 'plan-basic', featureId: null, countryCode: 'DK', currency: 'dkk', amount: 13900, quantity: 1 }]);
    expect(choice.prices[0]!.billingId).toBe('price_plan-basic_0_DK');
  });

  it('falls back to the default row for a country without one, and for a period not localized', () => {
    expect(summary(chosen([priced(CATALOG, 'plan-basic')], 'MONTHLY', 'FR').prices)).toEqual([{ packageId: 'plan-basic', featureId: null, countryCode: null, currency: 'usd', amount: 1900, quantity: 1 }]);
    expect(summary(chosen([priced(CATALOG, 'plan-basic')], 'ANNUALLY', 'DK').prices)).toEqual([{ packageId: 'plan-basic', featureId: null, countryCode: null, currency: 'usd', amount: 19000, quantity: 1 }]);
  });

  it('takes only the rows of the billing period: the flat fee, then each per-unit feature with its quantity', () => {
    expect(summary(chosen([priced(CATALOG, 'plan-pro', { 'feature-seats': 3 })], 'MONTHLY', null).prices)).toEqual([
      { packageId: 'plan-pro', featureId: null, countryCode: null, currency: 'usd', amount: 4900, quantity: 1 },
      { packageId: 'plan-pro', featureId: 'feature-seats', countryCode: null, currency: 'usd', amount: 1200, quantity: 3 },
    ]);
  });

  it('keeps a tiered price\'s tiers and mode, without a unit amount', () => {
    const [flat, seats] = chosen([priced(CATALOG, 'plan-pro', { 'feature-seats': 12 })], 'ANNUALLY', null).prices;
    expect(flat).toMatchObject({ billingModel: 'FLAT_FEE', amount: 49000, quantity: 1 });
    expect(seats).toMatchObject({
      billingModel: 'TIERED',
      featureId: 'feature-seats',
      amount: null,
      tiersMode: 'GRADUATED',
      tiers: [{ upTo: 10, unitAmount: 12000 }, { unitAmount: 9600 }],
      quantity: 12,
    });
  });

  it('adds each add-on\'s price with the add-on\'s quantity', () => {
    const choice = chosen([priced(CATALOG, 'plan-basic'), priced(CATALOG, 'addon-extra-projects', {}, 4)], 'ANNUALLY', null);
    expect(choice.currency).toBe('usd');
    expect(summary(choice.prices)).toEqual([
      { packageId: 'plan-basic', featureId: null, countryCode: null, currency: 'usd', amount: 19000, quantity: 1 },
      { packageId: 'addon-extra-projects', featureId: null, countryCode: null, currency: 'usd', amount: 5000, quantity: 4 },
    ]);
    expect(choice.prices[1]).toMatchObject({ packageKind: 'ADDON', version: 2 });
  });

  it('localizes every price of plan and add-ons when each has the country', () => {
    const choice = chosen([priced(LOCALIZED, 'plan-pro', { 'feature-seats': 2 }), priced(LOCALIZED, 'addon-extra-projects', {}, 1)], 'MONTHLY', 'DK');
    expect(choice.currency).toBe('dkk');
    expect(choice.prices.map((p) => [p.packageId, p.featureId, p.countryCode, p.amount])).toEqual([
      ['plan-pro', null, 'DK', 34300],
      ['plan-pro', 'feature-seats', 'DK', 8400],
      ['addon-extra-projects', null, 'DK', 3500],
    ]);
  });

  it('refuses prices in several currencies (a provider subscription bills in one), naming country and currencies', () => {
    const choice = choosePrices([priced(CATALOG, 'plan-basic'), priced(CATALOG, 'addon-extra-projects')], 'MONTHLY', 'DK');
    expect(choice).toEqual({ problem: expect.stringMatching(/DK.*dkk, usd/) });
  });

  it('answers no prices and no currency when nothing is priced for the period', () => {
    const document = exampleCatalog((input) => {
      input.plans.find((plan) => plan.id === 'plan-basic')!.prices = [{ billingPeriod: 'ANNUALLY', billingModel: 'FLAT_FEE', currency: 'usd', amount: 19000 }];
    });
    expect(choosePrices([priced(document, 'plan-basic')], 'MONTHLY', 'DK')).toEqual({ prices: [], currency: null });
    expect(choosePrices([], 'MONTHLY', null)).toEqual({ prices: [], currency: null });
  });
});
