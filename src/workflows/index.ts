// The worker's workflowsPath: every workflow the task queue runs.
export { provisionCustomerWorkflow } from './provisionCustomer.workflow';
export { updateCustomerWorkflow } from './updateCustomer.workflow';
export { archiveCustomerWorkflow } from './archiveCustomer.workflow';
export { syncCatalogWorkflow } from './syncCatalog.workflow';
export { subscriptionWorkflow } from './subscription.workflow';
export { bulkMigrationWorkflow } from './bulkMigration.workflow';
