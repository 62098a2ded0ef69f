import type { ActivityDependencies } from './activityDependencies';
import { createCatalogActivities } from './catalog.activities';
import { classifyDatabaseFailures } from './classifyDatabaseFailures';
import { createCustomerActivities } from './customers.activities';

export function createActivities(deps: ActivityDependencies) {
  return classifyDatabaseFailures({ ...createCustomerActivities(deps), ...createCatalogActivities(deps) });
}

export type Activities = ReturnType<typeof createActivities>;
