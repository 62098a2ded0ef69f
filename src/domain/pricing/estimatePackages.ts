import type { PricedPackage } from '../subscriptions/choosePrices';
import type { ChosenPrice, StoredPrice } from '../subscriptions/chosenPrice';

// What the engine prices, built the way provisioning and updates choose prices: the plan's per-unit features at their
// quantities (its flat fee once), each add-on × its quantity.
export function planPackage(plan: { id: string; version: number; prices: StoredPrice[] }, billableFeatures: readonly { featureId: string; quantity: number }[]): PricedPackage {
  const quantityOf = (featureId: string | null) => billableFeatures.find((b) => b.featureId === featureId)?.quantity ?? 1;
  return { packageId: plan.id, packageKind: 'PLAN', version: plan.version, prices: plan.prices, quantityOf };
}

export function addonPackage(addon: { id: string; version: number; prices: StoredPrice[] }, quantity: number): PricedPackage {
  return { packageId: addon.id, packageKind: 'ADDON', version: addon.version, prices: addon.prices, quantityOf: () => quantity };
}

/** The packages a subscription pays for now, rebuilt from the prices it holds (each with its own quantity). */
export function packagesOfPrices(prices: readonly ChosenPrice[]): PricedPackage[] {
  const packages = new Map<string, { held: ChosenPrice[]; first: ChosenPrice }>();
  for (const price of prices) {
    const key = `${price.packageKind}:${price.packageId}:${price.version}`;
    const entry = packages.get(key) ?? { held: [], first: price };
    entry.held.push(price);
    packages.set(key, entry);
  }
  return [...packages.values()].map(({ held, first }) => ({
    packageId: first.packageId,
    packageKind: first.packageKind,
    version: first.version,
    prices: held.map(({ packageId: _p, packageKind: _k, version: _v, quantity: _q, ...stored }) => stored),
    quantityOf: (featureId: string | null) => held.find((price) => price.featureId === featureId)?.quantity ?? 0,
  }));
}
