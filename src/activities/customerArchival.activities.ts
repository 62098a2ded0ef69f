import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { commitChange, entitlementsOf } from '../db/commitChange';
import { archiveCustomerRow, removeStoredCustomerPersonalData } from '../db/repositories/customerArchival.repository';
import { listCustomerLiveSubscriptions } from '../db/repositories/subscriptions.repository';
import { findBusinessFailure } from '../temporal/businessFailure';
import { cancelSubscriptionUpdate } from '../workflows/definitions';
import { FailureType } from '../workflows/failureTypes';
import { workflowIds } from '../workflows/workflowIds';
import type { ActivityDependencies } from './activityDependencies';
import type { CustomerKey } from './customers.activities';

// A subscription the archival must end: what ending it without its workflow would need at the provider.
export type SubscriptionToEnd = { subscriptionId: string; billingId: string | null; checkoutSessionId: string | null };

export type ArchivalCancelOutcome = 'CANCELED' | 'ALREADY_ENDED' | 'NO_RUNNING_WORKFLOW';

export function createCustomerArchivalActivities({ db }: ActivityDependencies) {
  return {
    // Archives the customer and removes its personal data in one transaction; archiving again changes nothing.
    async archiveCustomerRecord(key: CustomerKey): Promise<{ archivedAt: string }> {
      const { environmentId, customerId } = key;
      const { row } = await commitChange(db, {
        environmentId,
        write: async (trx) => {
          const archived = await archiveCustomerRow(trx, environmentId, customerId);
          if (!archived) throw ApplicationFailure.nonRetryable(`customer "${customerId}" was not found`, FailureType.CustomerNotFound);
          if (archived.archivedNow) await removeStoredCustomerPersonalData(trx, environmentId, customerId);
          return archived;
        },
        recompute: ({ archivedNow }) => (archivedNow ? [entitlementsOf(customerId)] : []),
        events: ({ row: archived, archivedNow }) =>
          archivedNow ? [{ type: 'customer.archived', customerId, resourceId: null, payload: { customerId, archivedAt: archived.archived_at!.toISOString() } }] : [],
      });
      return { archivedAt: row.archived_at!.toISOString() };
    },

    // Every subscription not ended yet: live, waiting for checkout, or scheduled to start.
    async listSubscriptionsToEnd(key: CustomerKey): Promise<SubscriptionToEnd[]> {
      const rows = await listCustomerLiveSubscriptions(db, key.environmentId, key.customerId, undefined);
      return rows.map((row) => ({ subscriptionId: row.id, billingId: row.billing_id, checkoutSessionId: row.checkout_session_id }));
    },

    // Asks the subscription's own workflow to cancel it now, as a cancelSubscription request would. The Update id
    // names the archival run, so a retried attempt waits for the same Update instead of sending a second one.
    async cancelForArchivedCustomer(input: { environmentId: string; subscriptionId: string }): Promise<ArchivalCancelOutcome> {
      const context = Context.current();
      const handle = context.client.workflow.getHandle(workflowIds.subscription(input.environmentId, input.subscriptionId));
      try {
        const answer = await handle.executeUpdate(cancelSubscriptionUpdate, {
          args: [{ subscriptionCancellationTime: 'IMMEDIATE', requestedBy: 'archiveCustomer' }],
          updateId: `archive-customer:${context.info.workflowExecution?.runId}`,
        });
        if ('failure' in answer) throw ApplicationFailure.create({ ...answer.failure, nonRetryable: true });
        return 'CANCELED';
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return 'NO_RUNNING_WORKFLOW';
        if (findBusinessFailure(error)?.type === FailureType.SubscriptionNotCancelable) return 'ALREADY_ENDED';
        throw error;
      }
    },
  };
}
