import type { CatalogDocument } from '../../../src/domain/catalog/catalogDocument';
import type { AppliedDiscount } from '../../../src/domain/pricing/pricing.types';
import type { PricedPackage } from '../../../src/domain/subscriptions/choosePrices';
import { exampleCatalog } from '../../support/exampleCatalog';
import { storedPrices } from '../../support/storedPrices';

type Package = CatalogDocument['plans'][number] | CatalogDocument['addons'][number];

export const CATALOG = exampleCatalog();

/** A plan of the example catalog with these units of its per-unit features. */
export function plan(id: string, units: Record<string, number> = {}, catalog = CATALOG): PricedPackage {
  const found = catalog.plans.find((p) => p.id === id);
  if (!found) throw new Error(`no plan ${id}`);
  return { packageId: id, packageKind: 'PLAN', version: 1, prices: storedPrices(found), quantityOf: (featureId) => (featureId === null ? 1 : (units[featureId] ?? 0)) };
}

/** An add-on of the example catalog bought `quantity` times. */
export function addon(id: string, quantity: number, catalog = CATALOG): PricedPackage {
  const found = catalog.addons.find((a) => a.id === id);
  if (!found) throw new Error(`no add-on ${id}`);
  return { packageId: id, packageKind: 'ADDON', version: 1, prices: storedPrices(found), quantityOf: () => quantity };
}

/** A one-price plan made up for a test (a price the example catalog does not have). */
export function planWith(id: string, price: Package['prices'][number], units = 1): PricedPackage {
  return { packageId: id, packageKind: 'PLAN', version: 1, prices: storedPrices({ id, prices: [price] }), quantityOf: (featureId) => (featureId === null ? 1 : units) };
}

export function percentOff(percent: number, durationType: 'ONCE' | 'REPEATING' | 'FOREVER', start: Date, durationInMonths?: number): AppliedDiscount {
  return {
    coupon: { id: `coupon-${percent}`, discountType: 'PERCENTAGE', percentOff: percent, durationType, ...(durationInMonths ? { durationInMonths } : {}) },
    start,
  };
}

export function amountOff(amount: number, currency: string, durationType: 'ONCE' | 'REPEATING' | 'FOREVER', start: Date): AppliedDiscount {
  return { coupon: { id: `coupon-${amount}${currency}`, discountType: 'FIXED', amountsOff: [{ currency, amount }], durationType }, start, promotionCode: 'SAVE' };
}

export const at = (iso: string) => new Date(iso);
