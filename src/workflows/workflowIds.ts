// Every workflow id is built here, from business ids, so the Temporal UI can be searched by them.
export const workflowIds = {
  provisionCustomer: (environmentId: string, customerId: string) => `customer:${environmentId}:${customerId}`,
  // One id per customer: its updates run one after another, each a new run of this id.
  updateCustomer: (environmentId: string, customerId: string) => `customer-update:${environmentId}:${customerId}`,
  // One id per customer: concurrent archive requests meet the same run; a later one is a new, harmless run.
  archiveCustomer: (environmentId: string, customerId: string) => `customer-archive:${environmentId}:${customerId}`,
  // One long-lived workflow per subscription, from provisioning until it ends.
  subscription: (environmentId: string, subscriptionId: string) => `subscription:${environmentId}:${subscriptionId}`,
  syncCatalog: (environmentId: string) => `catalog-sync:${environmentId}`,
  // One bulk migration of a plan's (or add-on's) subscriptions at a time; each new one is a new run of this id.
  bulkMigration: (environmentId: string, packageType: 'PLAN' | 'ADDON', packageId: string) => `${packageType === 'PLAN' ? 'plan' : 'addon'}-migration:${environmentId}:${packageId}`,
};
