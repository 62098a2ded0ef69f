import { continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/createActivities';
import { stableDigest } from '../domain/stableDigest';
import { defaultActivityOptions } from './activityOptions';
import { catalogChangedSignal, statusQuery } from './definitions';

const { listCatalogSyncWork, syncBillingProduct, createBillingPrice, archiveBillingPrice } = proxyActivities<Activities>(defaultActivityOptions);

const MAX_ROUNDS_PER_RUN = 20;

// Brings the billing provider in line with the published catalog. Started with signalWithStart, so a catalog
// change during a run is picked up by another round instead of a second concurrent sync.
export async function syncCatalogWorkflow(input: { environmentId: string }): Promise<{ products: number; pricesCreated: number; pricesArchived: number }> {
  let pending = true;
  let step = 'starting';
  const totals = { products: 0, pricesCreated: 0, pricesArchived: 0 };
  setHandler(catalogChangedSignal, () => void (pending = true));
  setHandler(statusQuery, () => ({ step, detail: JSON.stringify(totals) }));
  const keyBase = workflowInfo().workflowId;

  for (let round = 0; pending; round++) {
    if (round === MAX_ROUNDS_PER_RUN) await continueAsNew<typeof syncCatalogWorkflow>(input);
    pending = false;
    step = 'listing work';
    const work = await listCatalogSyncWork({ environmentId: input.environmentId });
    for (const product of work.products) {
      step = `syncing product ${product.packageId}`;
      await syncBillingProduct({ environmentId: input.environmentId, product, idempotencyKey: `${keyBase}:product:${product.packageId}:${stableDigest(product.state)}` });
      totals.products++;
    }
    // Products created just now make more prices creatable, so list again before finishing.
    if (work.products.some((product) => product.billingId === null)) pending = true;
    for (const price of work.pricesToCreate) {
      step = `creating price ${price.priceId}`;
      await createBillingPrice({ price, idempotencyKey: `${keyBase}:price:${price.priceId}` });
      totals.pricesCreated++;
    }
    for (const price of work.pricesToArchive) {
      step = `archiving price ${price.priceId}`;
      await archiveBillingPrice({ ...price, idempotencyKey: `${keyBase}:archive-price:${price.priceId}` });
      totals.pricesArchived++;
    }
  }
  step = 'done';
  return totals;
}
