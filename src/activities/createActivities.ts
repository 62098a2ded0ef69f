import type { ActivityDependencies } from './activityDependencies';
import { createCatalogActivities } from './catalog.activities';
import { createCustomerActivities } from './customers.activities';

export function createActivities(deps: ActivityDependencies) {
  return { ...createCustomerActivities(deps), ...createCatalogActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;
