import type { ActivityDependencies } from './activityDependencies';
import { createBulkMigrationActivities } from './bulkMigration.activities';
import { createCatalogActivities } from './catalog.activities';
import { classifyDatabaseFailures } from './classifyDatabaseFailures';
import { createCustomerArchivalActivities } from './customerArchival.activities';
import { createCustomerActivities } from './customers.activities';
import { createSubscriptionBillingActivities } from './subscriptionBilling.activities';
import { createSubscriptionLifecycleActivities } from './subscriptionLifecycle.activities';
import { createSubscriptionMigrationActivities } from './subscriptionMigration.activities';
import { createSubscriptionPreparationActivities } from './subscriptionPreparation.activities';
import { createSubscriptionRecordActivities } from './subscriptionRecords.activities';

export function createActivities(deps: ActivityDependencies) {
  return classifyDatabaseFailures({
    ...createCustomerActivities(deps),
    ...createCustomerArchivalActivities(deps),
    ...createCatalogActivities(deps),
    ...createSubscriptionPreparationActivities(deps),
    ...createSubscriptionBillingActivities(deps),
    ...createSubscriptionRecordActivities(deps),
    ...createSubscriptionLifecycleActivities(deps),
    ...createSubscriptionMigrationActivities(deps),
    ...createBulkMigrationActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
