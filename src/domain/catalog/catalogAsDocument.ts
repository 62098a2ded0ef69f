import type { CatalogDocument, PlanDefinition, AddonDefinition } from './catalogDocument';
import type { PackageContent, PackageKind, StoredCatalog, StoredEntity } from './planCatalogChanges';

const byId = <T extends { id: string }>(left: T, right: T) => (left.id < right.id ? -1 : left.id > right.id ? 1 : 0);

// The stored catalog as an appliable document: what is not archived, each plan and add-on at its latest version
// (its draft when the latest is a draft), so that applying the answer changes nothing.
export function catalogAsDocument(stored: StoredCatalog): CatalogDocument {
  const live = <T extends { id: string }>(entities: Map<string, StoredEntity<T>>) =>
    [...entities.values()].filter((entity) => !entity.archived).map((entity) => entity.definition).sort(byId);
  const packages = <T extends PlanDefinition | AddonDefinition>(kind: PackageKind) =>
    [...stored.packages.entries()]
      .flatMap(([id, pkg]) =>
        pkg.kind === kind && !pkg.archived && pkg.latest ? [{ id, ...(pkg.latest.content as PackageContent), status: pkg.latest.status } as T] : [],
      )
      .sort(byId);
  return {
    products: live(stored.products),
    features: live(stored.features),
    plans: packages<PlanDefinition>('PLAN'),
    addons: packages<AddonDefinition>('ADDON'),
    coupons: live(stored.coupons),
    meters: live(stored.meters),
  };
}
