import type { Db } from '../db/createDb';
import { catalogAsDocument } from '../domain/catalog/catalogAsDocument';
import {
  listLive,
  loadStoredCatalog,
  listLivePackages,
  toCouponDefinition,
  toFeatureDefinition,
  toMeterDefinition,
  toProductDefinition,
} from '../db/repositories/catalogRead.repository';

// The live catalog of one environment, as GET /v1/catalog returns it.
export async function readCatalog(db: Db, environmentId: string) {
  const [products, features, coupons, meters, packages] = await Promise.all([
    listLive(db, 'products', environmentId),
    listLive(db, 'features', environmentId),
    listLive(db, 'coupons', environmentId),
    listLive(db, 'meters', environmentId),
    listLivePackages(db, environmentId),
  ]);
  const strip = <T extends { kind: string }>({ kind: _kind, ...rest }: T) => rest;
  return {
    products: products.map(toProductDefinition),
    features: features.map(toFeatureDefinition),
    plans: packages.filter((p) => p.kind === 'PLAN').map(strip),
    addons: packages.filter((p) => p.kind === 'ADDON').map(strip),
    coupons: coupons.map(toCouponDefinition),
    meters: meters.map(toMeterDefinition),
  };
}

// The catalog as an appliable document (GET /v1/catalog?format=document): drafts included, no version numbers.
export async function readCatalogDocument(db: Db, environmentId: string) {
  return catalogAsDocument(await loadStoredCatalog(db, environmentId));
}
