import { proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/createActivities';
import type { Customer } from '../domain/customers/customer';
import type { BillingInfo } from '../domain/customers/customerInput';
import { defaultActivityOptions } from './activityOptions';
import { statusQuery } from './definitions';
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
};
export type ProvisionCustomerWorkflowResult = { customer: Customer; created: boolean; archived: boolean };

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
  step = 'done';
  return saved;
}
