import type { Client } from '@temporalio/client';
import { createBulkMigrationsClient } from './bulkMigrations.client';
import { createCatalogClient } from './catalog.client';
import { createCustomersClient } from './customers.client';
import { createSubscriptionsClient } from './subscriptions.client';
import { createWorkflowStarter, type WorkflowStarterOptions } from './workflowStarter';

export type WorkflowClients = ReturnType<typeof createWorkflowClients>;

// The client side of Temporal, one client per business noun, sharing one starter (deadlines, runs, search attributes).
export function createWorkflowClients(client: Client, options: WorkflowStarterOptions) {
  const starter = createWorkflowStarter(client, options);
  return {
    startWindowMs: starter.startWindowMs,
    customers: createCustomersClient(starter),
    catalog: createCatalogClient(starter),
    subscriptions: createSubscriptionsClient(starter),
    bulkMigrations: createBulkMigrationsClient(starter, options),
  };
}
