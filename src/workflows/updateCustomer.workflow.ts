import { ApplicationFailure, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/createActivities';
import type { Customer } from '../domain/customers/customer';
import type { BillingInfo } from '../domain/customers/customerInput';
import { defaultActivityOptions } from './activityOptions';
import { statusQuery } from './definitions';
import { FailureType } from './failureTypes';
import { providerIdempotencyKey } from './providerIdempotencyKey';

const { findAppliedCustomerUpdate, findCustomer, createBillingCustomer, updateBillingCustomer, updateCustomer } = proxyActivities<Activities>(defaultActivityOptions);

export type UpdateCustomerWorkflowInput = {
  environmentId: string;
  customerId: string;
  changes: { name?: string | null; email?: string | null; couponId?: string | null; metadata?: Record<string, string> };
  billingInfo?: BillingInfo;
  // Set for requests sent with an Idempotency-Key: such a request is applied once, however many runs it gets.
  requestKey?: string;
};

// Partial update: the billing provider is told first, so a refusal there leaves Tollgate unchanged.
export async function updateCustomerWorkflow(input: UpdateCustomerWorkflowInput): Promise<{ customer: Customer }> {
  let step = 'looking up the customer';
  setHandler(statusQuery, () => ({ step }));
  const key = { environmentId: input.environmentId, customerId: input.customerId };
  // A request retried after a crash may get a second run: it answers the first outcome and calls no provider.
  // (Histories recorded before this check carry no requestKey, so they replay without it.)
  if (input.requestKey) {
    const applied = await findAppliedCustomerUpdate({ environmentId: input.environmentId, requestKey: input.requestKey });
    if (applied) return { customer: applied };
  }
  const existing = await findCustomer(key);
  if (!existing || existing.archived) {
    throw ApplicationFailure.nonRetryable(`customer "${input.customerId}" was not found`, FailureType.CustomerNotFound);
  }

  const { changes } = input;
  const current = existing.customer;
  const billingRequest = {
    idempotencyKey: providerIdempotencyKey('billing-customer'),
    ...key,
    name: changes.name !== undefined ? changes.name : current.name,
    email: changes.email !== undefined ? changes.email : current.email,
    billingInfo: input.billingInfo,
  };
  let newBillingId: string | undefined;
  if (current.billingId && (input.billingInfo || changes.name !== undefined || changes.email !== undefined)) {
    step = 'updating the billing customer';
    await updateBillingCustomer({ ...billingRequest, billingId: current.billingId });
  } else if (!current.billingId && input.billingInfo) {
    step = 'creating the billing customer';
    newBillingId = (await createBillingCustomer(billingRequest)) ?? undefined;
  }

  step = 'saving the customer';
  const customer = await updateCustomer({ ...key, changes: { ...changes, billingId: newBillingId }, requestKey: input.requestKey });
  step = 'done';
  return { customer };
}
