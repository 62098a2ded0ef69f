import { ApplicationFailure } from '@temporalio/common';
import type { BillingCustomerInput } from '../billing/billingProvider';
import { customerChanged } from '../domain/changeEvent';
import type { Customer } from '../domain/customers/customer';
import { toCustomerView } from '../domain/customers/toCustomerView';
import { commitChange } from '../db/commitChange';
import { claimAppliedRequest, findAppliedRequest, recordAppliedOutcome, recordAppliedRequest } from '../db/repositories/appliedRequests.repository';
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

    // With a request key, the request that created the customer is recorded with it: its retry after a crash
    // answers "created" as the first attempt would have, even when another request's run answers it.
    async insertCustomer(
      input: CustomerKey & { name: string | null; email: string | null; couponId: string | null; metadata: Record<string, string>; billingId: string | null; requestKey?: string },
    ) {
      const { requestKey, ...customer } = input;
      return commitChange(db, {
        environmentId: input.environmentId,
        write: async (trx) => {
          const { row, created } = await insertCustomerIfAbsent(trx, { ...customer, id: customer.customerId });
          const view = toCustomerView(row);
          if (created && requestKey) await recordAppliedRequest(trx, input.environmentId, requestKey, view);
          return { customer: view, created, archived: row.archived_at !== null };
        },
        recompute: () => [],
        events: ({ customer: view, created }) => (created ? [customerChanged('customer.created', view)] : []),
      });
    },

    // The customer as an earlier run of the same request left it, when that request was applied already.
    async findAppliedCustomerUpdate(input: { environmentId: string; requestKey: string }): Promise<Customer | null> {
      const applied = await findAppliedRequest(db, input.environmentId, input.requestKey);
      return applied ? (applied.outcome as Customer) : null;
    },

    // With a request key, the write and the record that the request was applied commit together: a second run
    // of the same request gets the first outcome and changes nothing, even if newer updates came in between.
    async updateCustomer(input: CustomerKey & { changes: CustomerChanges; requestKey?: string }): Promise<Customer> {
      const { environmentId, customerId, requestKey } = input;
      const { customer } = await commitChange(db, {
        environmentId,
        write: async (trx) => {
          if (requestKey) {
            const applied = await claimAppliedRequest(trx, environmentId, requestKey);
            if (applied) return { customer: applied.outcome as Customer, updated: false };
          }
          const row = await updateCustomerRow(trx, environmentId, customerId, input.changes);
          if (!row) throw ApplicationFailure.nonRetryable(`customer "${customerId}" does not exist or is archived`, FailureType.CustomerNotFound);
          const updated = toCustomerView(row);
          if (requestKey) await recordAppliedOutcome(trx, environmentId, requestKey, updated);
          return { customer: updated, updated: true };
        },
        recompute: () => [],
        // A request applied by an earlier run changed nothing this time: it was told already.
        events: ({ customer: updated, updated: changed }) => (changed ? [customerChanged('customer.updated', updated)] : []),
      });
      return customer;
    },

    async createBillingCustomer(input: BillingCustomerInput): Promise<string | null> {
      return (await callBilling(() => billing.createCustomer(input)))?.billingId ?? null;
    },

    async updateBillingCustomer(input: BillingCustomerInput & { billingId: string }): Promise<void> {
      await callBilling(() => billing.updateCustomer(input));
    },
  };
}
