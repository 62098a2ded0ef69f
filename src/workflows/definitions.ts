import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BulkMigrationProgress } from '../domain/subscriptions/bulkMigration';
import type { MigrationResult, MigrationTime } from '../domain/subscriptions/planMigration';
import type { ProviderInvoice } from '../domain/subscriptions/subscription';
import type { SubscriptionUpdate } from '../domain/subscriptions/subscriptionUpdate';

// Messages are declared once and imported by both the workflows and the API.
export const catalogChangedSignal = defineSignal('catalogChanged');
export const statusQuery = defineQuery<WorkflowStatus>('status');

export type WorkflowStatus = { step: string; detail?: string };

// The subscription entity workflow's messages (src/workflows/subscription.workflow.ts).
export type ProvisionOutcome = { provisionStatus: 'SUCCESS' | 'PAYMENT_REQUIRED'; subscriptionId: string; checkoutUrl?: string };
// A business failure as plain data: carried in an Update's result, as an Update's own failure does not keep it whole.
export type FailureData = { message: string; type: string; details: unknown[] };
// Answers once the provision is decided: created, or waiting for checkout, or why it was refused.
export const provisionOutcomeUpdate = defineUpdate<{ outcome: ProvisionOutcome } | { failure: FailureData }>('provisionOutcome');

// A live subscription's changes answer as data ({ outcome } or { failure }), applied one at a time by its workflow.
// A migration's outcome also says what it did (MIGRATED, SCHEDULED, ALREADY_LATEST).
export type LifecycleAnswer = { outcome: { subscriptionId: string; migration?: MigrationResult } } | { failure: FailureData };
// `requestedBy`: the API operation the history names as the cause when it is not cancelSubscription (archiveCustomer).
export type CancelRequest = { subscriptionCancellationTime: 'IMMEDIATE' | 'END_OF_BILLING_PERIOD' | 'SPECIFIC_DATE'; endDate?: string; prorate?: boolean; requestedBy?: 'archiveCustomer' };
export const cancelSubscriptionUpdate = defineUpdate<LifecycleAnswer, [CancelRequest]>('cancel');
export const updateSubscriptionUpdate = defineUpdate<LifecycleAnswer, [SubscriptionUpdate]>('update');
export type MigrateRequest = { subscriptionMigrationTime: MigrationTime };
export const migrateSubscriptionUpdate = defineUpdate<LifecycleAnswer, [MigrateRequest]>('migrate');

// A verified provider event, reduced to what the workflow uses; `created` orders events of one object.
export type BillingEvent = { eventId: string; type: string; created: number; objectId: string; subscriptionBillingId: string | null; invoice?: ProviderInvoice };
export const billingEventSignal = defineSignal<[BillingEvent]>('billingEvent');

// Sent by the subscription that replaced this one (it already ended it in Postgres and at the provider).
export const subscriptionEndedSignal = defineSignal<[{ reason: string; bySubscriptionId: string }]>('subscriptionEnded');

// Sent by a customer's initial subscription to the provisionCustomer run that started it.
export type InitialSubscriptionOutcome = { outcome: ProvisionOutcome } | { failure: FailureData };
export const initialSubscriptionSignal = defineSignal<[{ subscriptionId: string } & InitialSubscriptionOutcome]>('initialSubscription');

export type SubscriptionWorkflowStatus = {
  subscriptionId: string;
  status: string;
  waitingFor: string;
  checkoutUrl?: string;
  checkoutExpiresAt?: string;
};
export const subscriptionStatusQuery = defineQuery<SubscriptionWorkflowStatus>('status');

// A bulk migration's progress (src/workflows/bulkMigration.workflow.ts), also answered once it completed.
export const bulkMigrationProgressQuery = defineQuery<BulkMigrationProgress>('progress');
