import type { CatalogDocument } from '../../src/domain/catalog/catalogDocument';
import type { StoredPrice } from '../../src/domain/subscriptions/chosenPrice';

type Package = CatalogDocument['plans'][number] | CatalogDocument['addons'][number];

// Price rows as the catalog stores them (catalogWrite.repository): the default row, then one per localized country.
export function storedPrices(pkg: Pick<Package, 'id' | 'prices'>): StoredPrice[] {
  return pkg.prices.flatMap((price, index) => {
    const row = (point: { currency: string; amount?: number; tiers?: StoredPrice['tiers'] }, countryCode: string | null): StoredPrice => ({
      billingPeriod: price.billingPeriod,
      billingModel: price.billingModel,
      featureId: price.featureId ?? null,
      countryCode,
      currency: point.currency,
      amount: point.amount ?? null,
      tiersMode: price.billingModel === 'TIERED' ? (price.tiersMode ?? 'GRADUATED') : null,
      tiers: point.tiers ?? null,
      billingId: `price_${pkg.id}_${index}_${countryCode ?? 'default'}`,
    });
    return [row(price, null), ...(price.countryPrices ?? []).map((point) => row(point, point.countryCode))];
  });
}
