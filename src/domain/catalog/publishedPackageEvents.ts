import type { ChangeEvent } from '../changeEvent';
import type { CatalogChange } from './planCatalogChanges';

// One event per plan or add-on version an apply puts on sale: a new published version, or a draft published in place.
export function publishedPackageEvents(changes: readonly CatalogChange[]): ChangeEvent[] {
  return changes.flatMap((change): ChangeEvent[] => {
    if (change.type !== 'package' || change.versionAction === 'none' || change.status !== 'PUBLISHED') return [];
    const payload = { packageId: change.id, packageType: change.entity === 'plan' ? 'PLAN' : 'ADDON', productId: change.definition.productId, version: change.version } as const;
    return [{ type: 'package.published', customerId: null, resourceId: null, payload }];
  });
}
