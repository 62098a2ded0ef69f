import { ApplicationFailure } from '@temporalio/common';
import type { BillingCustomerInput } from '../billing/billingProvider';
import type { Customer } from '../domain/customers/customer';
import { toCustomerView } from '../domain/customers/toCustomerView';
import { findCustomer, insertCustomerIfAbsent, updateCustomerRow, type CustomerChanges } from '../db/repositories/customers.repository';
import { FailureType } from '../workflows/failureTypes';
import type { ActivityDependencies } from './activityDependencies';
import { callBilling } from './billingFailure';

export type CustomerKey = { environmentId: string; customerId: string };
export type CustomerState = { customer: Customer; archived: boolean };

export function createCustomerActivities({ db, billing }: ActivityDependencies) {
  return {
    async findCustomer(key: CustomerKey): Promise<CustomerState | null> {
      const row = await findCustomer(db, key.environmentId, key.customerId);
      return row ? { customer: toCustomerView(row), archived: row.archived_at !== null } : null;
    },

    async insertCustomer(input: CustomerKey & { name: string | null; email: string | null; couponId: string | null; metadata: Record<string, string>; billingId: string | null }) {
      const { row, created } = await insertCustomerIfAbsent(db, { ...input, id: input.customerId });
      return { customer: toCustomerView(row), created, archived: row.archived_at !== null };
    },

    async updateCustomer(input: CustomerKey & { changes: CustomerChanges }): Promise<Customer> {
      const row = await updateCustomerRow(db, input.environmentId, input.customerId, input.changes);
      if (!row) throw ApplicationFailure.nonRetryable(`customer "${input.customerId}" does not exist or is archived`, FailureType.CustomerNotFound);
      return toCustomerView(row);
    },

    async createBillingCustomer(input: BillingCustomerInput): Promise<string | null> {
      return (await callBilling(() => billing.createCustomer(input)))?.billingId ?? null;
    },

    async updateBillingCustomer(input: BillingCustomerInput & { billingId: string }): Promise<void> {
      await callBilling(() => billing.updateCustomer(input));
    },
  };
}
