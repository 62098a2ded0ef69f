import { TypedSearchAttributes } from '@temporalio/common';
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

// A subscription started by this run (an initial subscription, a fallback plan) shows in the Temporal UI like any
// other, where this run itself has search attributes.
export function childSubscriptionSearchAttributes(subscriptionId: string) {
  const own = workflowInfo().typedSearchAttributes;
  const environment = own.get(searchAttributeKeys.environment);
  if (environment === undefined) return undefined;
  return new TypedSearchAttributes([
    { key: searchAttributeKeys.environment, value: environment },
    { key: searchAttributeKeys.customerId, value: own.get(searchAttributeKeys.customerId) ?? '' },
    { key: searchAttributeKeys.subscriptionId, value: subscriptionId },
  ]);
}
