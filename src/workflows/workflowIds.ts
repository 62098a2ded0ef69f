// Every workflow id is built here, from business ids, so the Temporal UI can be searched by them.
export const workflowIds = {
  provisionCustomer: (environmentId: string, customerId: string) => `customer:${environmentId}:${customerId}`,
  updateCustomer: (environmentId: string, customerId: string, requestId: string) => `customer-update:${environmentId}:${customerId}:${requestId}`,
  syncCatalog: (environmentId: string) => `catalog-sync:${environmentId}`,
};
