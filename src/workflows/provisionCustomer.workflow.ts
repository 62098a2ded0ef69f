import { ParentClosePolicy, condition, proxyActivities, setHandler, startChild, uuid4, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/createActivities';
import type { Customer } from '../domain/customers/customer';
import type { BillingInfo } from '../domain/customers/customerInput';
import { defaultActivityOptions } from './activityOptions';
import { childSubscriptionSearchAttributes } from './subscriptionSearchAttributes';
import type { SubscriptionRequest } from '../domain/subscriptions/subscriptionRequest.types';
import { initialSubscriptionSignal, statusQuery, type InitialSubscriptionOutcome } from './definitions';
import { subscriptionWorkflow } from './subscription.workflow';
import { workflowIds } from './workflowIds';
import { providerIdempotencyKey } from './providerIdempotencyKey';

const { findCustomer, createBillingCustomer, insertCustomer } = proxyActivities<Activities>(defaultActivityOptions);

export type ProvisionCustomerWorkflowInput = {
  environmentId: string;
  customerId: string;
  name: string | null;
  email: string | null;
  couponId: string | null;
  metadata: Record<string, string>;
  billingInfo?: BillingInfo;
  // Set for requests sent with an Idempotency-Key: recorded with the customer this request creates.
  requestKey?: string;
  // The subscriptions a new customer starts with: the one requested, or each product's customer-journey plan.
  initialSubscriptions?: SubscriptionRequest[];
};
export type InitialSubscriptionResult = { subscriptionId: string } & InitialSubscriptionOutcome;
export type ProvisionCustomerWorkflowResult = { customer: Customer; created: boolean; archived: boolean; subscriptions?: InitialSubscriptionResult[] };

// Creates the customer once: in the billing provider first (so a refused billingInfo writes nothing), then in Postgres.
export async function provisionCustomerWorkflow(input: ProvisionCustomerWorkflowInput): Promise<ProvisionCustomerWorkflowResult> {
  let step = 'looking up the customer';
  setHandler(statusQuery, () => ({ step }));
  const key = { environmentId: input.environmentId, customerId: input.customerId };

  const existing = await findCustomer(key);
  if (existing) return { ...existing, created: false };

  let billingId: string | null = null;
  if (input.billingInfo) {
    step = 'creating the billing customer';
    billingId = await createBillingCustomer({
      idempotencyKey: providerIdempotencyKey('billing-customer'),
      ...key,
      name: input.name,
      email: input.email,
      billingInfo: input.billingInfo,
    });
  }

  step = 'saving the customer';
  const saved = await insertCustomer({ ...key, name: input.name, email: input.email, couponId: input.couponId, metadata: input.metadata, billingId, requestKey: input.requestKey });
  if (!saved.created || !input.initialSubscriptions?.length) {
    step = 'done';
    return saved;
  }

  // Each initial subscription is a subscription workflow of its own (it outlives this one); it tells this run its
  // outcome as soon as it is decided, as the API would hear it.
  step = 'provisioning the initial subscriptions';
  const outcomes = new Map<string, InitialSubscriptionOutcome>();
  setHandler(initialSubscriptionSignal, ({ subscriptionId, ...outcome }) => void outcomes.set(subscriptionId, outcome));
  const subscriptions: InitialSubscriptionResult[] = [];
  for (const request of input.initialSubscriptions) {
    const subscriptionId = `sub-${uuid4()}`;
    await startChild(subscriptionWorkflow, {
      workflowId: workflowIds.subscription(input.environmentId, subscriptionId),
      args: [{ environmentId: input.environmentId, subscriptionId, customerId: input.customerId, request, notifyWorkflowId: workflowInfoId() }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: childSubscriptionSearchAttributes(subscriptionId),
    });
    await condition(() => outcomes.has(subscriptionId));
    subscriptions.push({ subscriptionId, ...outcomes.get(subscriptionId)! });
  }
  step = 'done';
  return { ...saved, subscriptions };
}

function workflowInfoId(): string {
  return workflowInfo().workflowId;
}
