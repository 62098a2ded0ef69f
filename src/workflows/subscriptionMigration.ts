import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/createActivities';
import type { BillingSubscriptionSnapshot } from '../activities/subscriptionBilling.activities';
import type { LifecycleState } from '../domain/subscriptions/lifecycleTimers';
import { scheduledMigrationDate, type MigrationResult, type MigrationTime } from '../domain/subscriptions/planMigration';
import type { TransitionCause } from '../domain/subscriptions/subscriptionHistory';
import { defaultActivityOptions } from './activityOptions';
import { providerIdempotencyKey } from './providerIdempotencyKey';

const activities = proxyActivities<Activities>(defaultActivityOptions);

// Moves a live subscription to its plan's and add-ons' latest versions: now (the provider prorates the difference
// and invoices it at once), or at the period end (recorded; the lifecycle's MIGRATION timer calls this again then).
// `step` names the provider call, so a retried activity is the same request.
export async function migrateSubscription(
  ids: { environmentId: string; subscriptionId: string },
  state: LifecycleState,
  time: MigrationTime,
  step: string,
  cause: TransitionCause,
): Promise<{ state: LifecycleState; result: MigrationResult }> {
  const prepared = await activities.prepareSubscriptionMigration(ids);
  if (prepared.upToDate) {
    // Nothing left to move: a migration still scheduled is dropped.
    if (state.migrationDate) state = (await activities.recordScheduledMigration({ ...ids, at: null, cause })).state;
    return { state, result: 'ALREADY_LATEST' };
  }
  const at = time === 'END_OF_BILLING_PERIOD' ? scheduledMigrationDate(state) : null;
  if (at !== null) return { state: (await activities.recordScheduledMigration({ ...ids, at, cause })).state, result: 'SCHEDULED' };
  let billing: BillingSubscriptionSnapshot | null = null;
  if (prepared.billing) billing = await activities.updateBillingSubscription({ ...prepared.billing, idempotencyKey: providerIdempotencyKey(step) });
  const recorded = await activities.recordSubscriptionMigration({ ...ids, target: prepared.target, billing, cause });
  return { state: recorded.state, result: 'MIGRATED' };
}
