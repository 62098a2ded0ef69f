import { ActivityFailure, ApplicationFailure, continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/createActivities';
import { defaultActivityOptions } from './activityOptions';
import { catalogChangedSignal, statusQuery } from './definitions';
import { FailureType } from './failureTypes';
import { providerIdempotencyKey } from './providerIdempotencyKey';

const { listCatalogSyncWork, syncBillingProduct, createBillingPrice, archiveBillingPrice } = proxyActivities<Activities>(defaultActivityOptions);

const MAX_ROUNDS_PER_RUN = 20;

export type CatalogSyncRefusal = { item: string; message: string };
export type CatalogSyncResult = { products: number; pricesCreated: number; pricesArchived: number; refused: CatalogSyncRefusal[] };

// Brings the billing provider in line with the published catalog. Started with signalWithStart, so a catalog
// change during a run is picked up by another round instead of a second concurrent sync. An item the
// provider refuses is reported and skipped, so one bad price does not hold back the rest of the catalog.
export async function syncCatalogWorkflow(input: { environmentId: string }): Promise<CatalogSyncResult> {
  let pending = true;
  let step = 'starting';
  const totals: CatalogSyncResult = { products: 0, pricesCreated: 0, pricesArchived: 0, refused: [] };
  setHandler(catalogChangedSignal, () => void (pending = true));
  setHandler(statusQuery, () => ({ step, detail: JSON.stringify(totals) }));
  const refused = new Set<string>();

  // Runs one item; a refusal by the billing provider is recorded instead of failing the whole sync.
  async function attempt(item: string, call: () => Promise<unknown>): Promise<boolean> {
    if (refused.has(item)) return false;
    step = `syncing ${item}`;
    try {
      await call();
      return true;
    } catch (error) {
      const cause = error instanceof ActivityFailure ? error.cause : undefined;
      if (!(cause instanceof ApplicationFailure) || cause.type !== FailureType.BillingRejected) throw error;
      refused.add(item);
      totals.refused.push({ item, message: cause.message });
      return false;
    }
  }

  for (let round = 0; pending; round++) {
    if (round === MAX_ROUNDS_PER_RUN) await continueAsNew<typeof syncCatalogWorkflow>(input);
    pending = false;
    step = 'listing work';
    const work = await listCatalogSyncWork({ environmentId: input.environmentId });
    // Each round sends what the catalog says now: a name changed and changed back is a new request in a new round.
    const keyOf = (item: string) => providerIdempotencyKey(`round-${round}:${item}`);
    for (const product of work.products) {
      const idempotencyKey = keyOf(`product:${product.packageId}`);
      if (!(await attempt(`product ${product.packageId}`, () => syncBillingProduct({ environmentId: input.environmentId, product, idempotencyKey })))) continue;
      totals.products++;
      // A product created just now makes its prices creatable: list again before finishing.
      if (product.billingId === null) pending = true;
    }
    for (const price of work.pricesToCreate) {
      if (await attempt(`price ${price.priceId}`, () => createBillingPrice({ price, idempotencyKey: keyOf(`price:${price.priceId}`) }))) totals.pricesCreated++;
    }
    for (const price of work.pricesToArchive) {
      if (await attempt(`archived price ${price.priceId}`, () => archiveBillingPrice({ ...price, idempotencyKey: keyOf(`archive-price:${price.priceId}`) }))) totals.pricesArchived++;
    }
  }
  step = totals.refused.length > 0 ? `done, ${totals.refused.length} refused by the billing provider` : 'done';
  return totals;
}
