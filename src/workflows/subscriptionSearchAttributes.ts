import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { searchAttributeKeys } from '../temporal/searchAttributes';

// Keeps the Temporal UI's subscription attributes current. Only where the run started with search attributes:
// the time-skipping test server has none registered and would fail the task.
export function showSubscriptionInUi(fields: { subscriptionId?: string; planId?: string; status?: string }): void {
  if (workflowInfo().typedSearchAttributes.get(searchAttributeKeys.environment) === undefined) return;
  upsertSearchAttributes([
    ...(fields.subscriptionId ? [{ key: searchAttributeKeys.subscriptionId, value: fields.subscriptionId }] : []),
    ...(fields.planId ? [{ key: searchAttributeKeys.planId, value: fields.planId }] : []),
    ...(fields.status ? [{ key: searchAttributeKeys.subscriptionStatus, value: fields.status }] : []),
  ]);
}
