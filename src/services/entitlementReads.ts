import type { Db } from '../db/createDb';
import type { CheckedFeature } from '../domain/entitlements/entitlementCheck';
import { type CheckScope, loadCheckedFeatures, loadCheckScope } from '../db/repositories/entitlementChecks.repository';

// Where checks read a customer's scope and the environment's features: straight from Postgres, or through the
// in-process cache (src/services/entitlementCache.ts) that the change feed keeps fresh.
export type EntitlementReads = {
  scope(environmentId: string, customerId: string, resourceId: string | null): Promise<CheckScope>;
  features(environmentId: string): Promise<Map<string, CheckedFeature>>;
  // Called by a route once a change it made has committed, before it answers: the caller's next check on this
  // process sees its own change at once (other processes see it through the change feed).
  forget?(environmentId: string, customerId: string): void;
};

export function databaseEntitlementReads(db: Db): EntitlementReads {
  return {
    scope: (environmentId, customerId, resourceId) => loadCheckScope(db, environmentId, customerId, resourceId),
    features: (environmentId) => loadCheckedFeatures(db, environmentId),
  };
}
