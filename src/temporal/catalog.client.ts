import { catalogChangedSignal } from '../workflows/definitions';
import { workflowIds } from '../workflows/workflowIds';
import type { WorkflowStarter } from './workflowStarter';

export type CatalogClient = ReturnType<typeof createCatalogClient>;

// How the API and the CLI bring the billing provider in line with the catalog.
export function createCatalogClient(starter: WorkflowStarter) {
  return {
    // Starts the catalog sync, or tells the running one that there is more to do.
    async sync(environmentId: string): Promise<{ workflowId: string }> {
      const workflowId = workflowIds.syncCatalog(environmentId);
      await starter.signalWithStart('syncCatalogWorkflow', workflowId, { environmentId }, catalogChangedSignal);
      return { workflowId };
    },
  };
}
