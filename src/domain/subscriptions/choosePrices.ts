import type { BillingPeriod } from '../catalog/catalogDocument';
import type { ChosenPrice, StoredPrice } from './chosenPrice';

export type PricedPackage = {
  packageId: string;
  packageKind: 'PLAN' | 'ADDON';
  version: number;
  prices: StoredPrice[];
  // Units of each per-unit feature, and the add-on's own quantity for its flat price.
  quantityOf: (featureId: string | null) => number;
};

export type PriceChoice = { prices: ChosenPrice[]; currency: string | null } | { problem: string };

// The prices a subscription pays for a billing period: per price, the billing country's localized row when the
// catalog has one, else the default row. All must share one currency, as a Stripe subscription bills in one.
export function choosePrices(packages: PricedPackage[], billingPeriod: BillingPeriod, countryCode: string | null): PriceChoice {
  const chosen: ChosenPrice[] = [];
  for (const pkg of packages) {
    const ofPeriod = pkg.prices.filter((price) => price.billingPeriod === billingPeriod);
    const keys = new Set(ofPeriod.map((price) => price.featureId ?? ''));
    for (const key of [...keys].sort()) {
      const candidates = ofPeriod.filter((price) => (price.featureId ?? '') === key);
      const price = candidates.find((p) => countryCode !== null && p.countryCode === countryCode) ?? candidates.find((p) => p.countryCode === null);
      if (!price) continue;
      chosen.push({ ...price, packageId: pkg.packageId, packageKind: pkg.packageKind, version: pkg.version, quantity: pkg.quantityOf(price.featureId) });
    }
  }
  const currencies = new Set(chosen.map((price) => price.currency));
  if (currencies.size > 1) return { problem: `the prices for ${countryCode ?? 'the default country'} are in several currencies (${[...currencies].sort().join(', ')})` };
  return { prices: chosen, currency: chosen[0]?.currency ?? null };
}
