import { proxyActivities, setHandler, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities/createActivities';
import type { SubscriptionToEnd } from '../activities/customerArchival.activities';
import { apiCause } from '../domain/subscriptions/subscriptionHistory';
import { defaultActivityOptions } from './activityOptions';
import { statusQuery } from './definitions';
import { providerIdempotencyKey } from './providerIdempotencyKey';

const activities = proxyActivities<Activities>(defaultActivityOptions);
// A cancellation waits on the subscription's own workflow, which retries the provider by itself: each attempt
// re-attaches to the same Update, so attempts are a patient wait rather than new requests.
const cancellationOptions: ActivityOptions = { startToCloseTimeout: '2 minutes', retry: { ...defaultActivityOptions.retry, maximumAttempts: 30 } };
const { cancelForArchivedCustomer } = proxyActivities<Activities>(cancellationOptions);

export type ArchiveCustomerWorkflowInput = { environmentId: string; customerId: string; requestKey?: string };
export type ArchiveCustomerWorkflowResult = { customerId: string; archivedAt: string };

// archiveCustomer: the customer is archived first (its personal data removed), so nothing new can start for it and no
// ending below puts it on a fallback plan; then every subscription it still has ends at once, through its own
// workflow (a waiting checkout is expired, a scheduled start dropped). The provider's customer is kept, so open
// invoices can still finalize. Archiving again finds nothing left to do and answers the same.
export async function archiveCustomerWorkflow(input: ArchiveCustomerWorkflowInput): Promise<ArchiveCustomerWorkflowResult> {
  const key = { environmentId: input.environmentId, customerId: input.customerId };
  let step = 'archiving the customer';
  setHandler(statusQuery, () => ({ step }));
  const { archivedAt } = await activities.archiveCustomerRecord(key);

  step = 'ending its subscriptions';
  const subscriptions = await activities.listSubscriptionsToEnd(key);
  await Promise.all(subscriptions.map(endSubscription));
  step = 'done';
  return { customerId: input.customerId, archivedAt };

  async function endSubscription(subscription: SubscriptionToEnd): Promise<void> {
    const outcome = await cancelForArchivedCustomer({ environmentId: input.environmentId, subscriptionId: subscription.subscriptionId });
    if (outcome !== 'NO_RUNNING_WORKFLOW') return;
    // Its workflow is gone (terminated by an operator): the subscription is ended here, as its workflow would have.
    const { subscriptionId, billingId, checkoutSessionId } = subscription;
    if (billingId) await activities.cancelBillingSubscription({ idempotencyKey: providerIdempotencyKey(`archive-cancel:${subscriptionId}`), billingId });
    if (checkoutSessionId) await activities.expireCheckoutSession({ idempotencyKey: providerIdempotencyKey(`archive-expire:${subscriptionId}`), sessionId: checkoutSessionId });
    await activities.endSubscription({ environmentId: input.environmentId, subscriptionId, status: 'CANCELED', reason: 'CANCELED', cause: apiCause('archiveCustomer', input.requestKey) });
  }
}
