import type { Client } from '@temporalio/client';
import type { Db } from '../../src/db/createDb';
import { applyCatalog } from '../../src/services/applyCatalog';
import { workflowIds } from '../../src/workflows/workflowIds';
import { exampleCatalog } from './exampleCatalog';

// The example catalog plus a product that allows several subscriptions per customer (one per resource).
export function subscriptionTestCatalog() {
  return exampleCatalog((input) => {
    input.products.push({ id: 'product-sites', displayName: 'Sites', multipleSubscriptions: true });
    input.plans.push(
      { id: 'plan-site-free', productId: 'product-sites', displayName: 'Site free', pricingType: 'FREE' },
      {
        id: 'plan-site-paid',
        productId: 'product-sites',
        displayName: 'Site paid',
        pricingType: 'PAID',
        prices: [{ billingPeriod: 'MONTHLY', billingModel: 'FLAT_FEE', currency: 'usd', amount: 900 }],
      },
    );
  });
}

// Applies the catalog and, with a billing provider, waits for its sync (the provider's price ids) to finish.
export async function prepareSubscriptionCatalog(db: Db, environmentId: string, sync?: { client: Client; taskQueue: string }) {
  const result = await applyCatalog(db, environmentId, subscriptionTestCatalog());
  if (!result.ok) throw new Error(`catalog refused: ${JSON.stringify(result.issues)}`);
  if (!sync) return;
  const handle = await sync.client.workflow.start('syncCatalogWorkflow', {
    args: [{ environmentId }],
    taskQueue: sync.taskQueue,
    workflowId: `${workflowIds.syncCatalog(environmentId)}:${sync.taskQueue}`,
  });
  await handle.result();
}
