import type { Db } from '../db/createDb';
import type { CheckedFeature } from '../domain/entitlements/entitlementCheck';
import { type CheckScope, loadCheckedFeatures, loadCheckScope } from '../db/repositories/entitlementChecks.repository';

// Where checks read a customer's scope and the environment's features: straight from Postgres, or through the
// in-process cache (src/services/entitlementCache.ts) that the change feed keeps fresh.
export type EntitlementReads = {
  scope(environmentId: string, customerId: string, resourceId: string | null): Promise<CheckScope>;
  features(environmentId: string): Promise<Map<string, CheckedFeature>>;
};

export function databaseEntitlementReads(db: Db): EntitlementReads {
  return {
    scope: (environmentId, customerId, resourceId) => loadCheckScope(db, environmentId, customerId, resourceId),
    features: (environmentId) => loadCheckedFeatures(db, environmentId),
  };
}
