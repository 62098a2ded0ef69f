import type { EndReason, Subscription, SubscriptionStatus } from './subscription';

// What happened to a subscription. New kinds are added here (the table stores any text the type allows).
export const SUBSCRIPTION_TRANSITIONS = [
  // Recorded and live at once (to ACTIVE or IN_TRIAL).
  'CREATED',
  // Recorded with a later start date (to NOT_STARTED).
  'SCHEDULED',
  // Recorded waiting for the customer to pay at a hosted checkout (to PAYMENT_PENDING).
  'CHECKOUT_STARTED',
  // A scheduled or waiting subscription took its live place (to ACTIVE or IN_TRIAL).
  'STARTED',
  // A trial converted to paid (IN_TRIAL to ACTIVE).
  'ACTIVATED',
  'UPDATED',
  'CANCELLATION_SCHEDULED',
  'CANCELLATION_UNDONE',
  'CANCELED',
  'EXPIRED',
  // Ended because another subscription took its place (also a trial converted by paying for its plan).
  'REPLACED',
  'RENEWED',
  'PAYMENT_FAILED',
  'PAYMENT_RECOVERED',
  // Moved to the latest plan and add-on versions (migrateSubscriptionToLatest), or such a move scheduled.
  'MIGRATED',
  'MIGRATION_SCHEDULED',
] as const;
export type SubscriptionTransition = (typeof SUBSCRIPTION_TRANSITIONS)[number];

// Why it happened: a caller's request, a durable timer, a provider webhook, asking the provider, or Tollgate itself.
export const TRANSITION_CAUSE_KINDS = ['API', 'TIMER', 'WEBHOOK', 'PROVIDER_POLL', 'SYSTEM'] as const;
export type TransitionCauseKind = (typeof TRANSITION_CAUSE_KINDS)[number];
// `detail`: the API operation (and Idempotency-Key), the timer's name, the webhook event id.
export type TransitionCause = { kind: TransitionCauseKind; detail: string | null };

// One field's value before and after the transition (before is null on creation).
export type FieldChange = { before: unknown; after: unknown };
export type SubscriptionChanges = Record<string, FieldChange>;

// What the history keeps of a subscription: its view without the bookkeeping timestamps, plus what replaced it.
export type HistorySnapshot = Omit<Subscription, 'createdAt' | 'updatedAt'> & { replacedById: string | null };

export type SubscriptionHistoryEntry = {
  transition: SubscriptionTransition;
  fromStatus: SubscriptionStatus | null;
  toStatus: SubscriptionStatus;
  cause: TransitionCause;
  changes: SubscriptionChanges;
};

export function toHistorySnapshot(view: Subscription, replacedById: string | null): HistorySnapshot {
  const { createdAt: _createdAt, updatedAt: _updatedAt, ...kept } = view;
  return { ...kept, replacedById };
}

// The fields whose value differs; on creation (no before), every field that has a value.
export function changedFields(before: HistorySnapshot | null, after: HistorySnapshot): SubscriptionChanges {
  const changes: SubscriptionChanges = {};
  for (const [field, value] of Object.entries(after)) {
    const previous = before === null ? null : (before as Record<string, unknown>)[field];
    if (JSON.stringify(previous ?? null) !== JSON.stringify(value ?? null)) changes[field] = { before: previous ?? null, after: value };
  }
  return changes;
}

export function historyEntry(transition: SubscriptionTransition, cause: TransitionCause, before: HistorySnapshot | null, after: HistorySnapshot): SubscriptionHistoryEntry {
  return { transition, fromStatus: before?.status ?? null, toStatus: after.status, cause, changes: changedFields(before, after) };
}

// The first entry of a subscription, by the status it was recorded with.
export function creationTransition(status: SubscriptionStatus): SubscriptionTransition {
  if (status === 'NOT_STARTED') return 'SCHEDULED';
  if (status === 'PAYMENT_PENDING') return 'CHECKOUT_STARTED';
  return 'CREATED';
}

export function endingTransition(reason: EndReason): SubscriptionTransition {
  switch (reason) {
    case 'REPLACED':
    case 'TRIAL_CONVERTED':
      return 'REPLACED';
    case 'CHECKOUT_EXPIRED':
    case 'START_FAILED':
    case 'TRIAL_ENDED':
    case 'PAYMENT_FAILED':
      return 'EXPIRED';
    case 'CANCELED':
    case 'PROVIDER_ENDED':
      return 'CANCELED';
  }
}

// The cause an ending has when its caller does not name one (runs started before causes were passed).
export function defaultEndingCause(reason: Exclude<EndReason, 'REPLACED' | 'TRIAL_CONVERTED'>): TransitionCause {
  switch (reason) {
    case 'CANCELED':
      return { kind: 'API', detail: 'cancelSubscription' };
    case 'CHECKOUT_EXPIRED':
      return { kind: 'TIMER', detail: 'checkout expiry' };
    case 'PROVIDER_ENDED':
      return { kind: 'WEBHOOK', detail: 'customer.subscription.deleted' };
    case 'START_FAILED':
      return { kind: 'TIMER', detail: 'scheduled start' };
    case 'TRIAL_ENDED':
      return { kind: 'TIMER', detail: 'trial end' };
    case 'PAYMENT_FAILED':
      return { kind: 'TIMER', detail: 'payment grace period end' };
  }
}

// An API request's cause: the operation, and the caller's Idempotency-Key when it sent one (the request key is
// "<key>:<fingerprint>", the fingerprint hex without colons).
export function apiCause(operation: string, requestKey?: string): TransitionCause {
  if (!requestKey) return { kind: 'API', detail: operation };
  return { kind: 'API', detail: `${operation}, Idempotency-Key ${requestKey.slice(0, requestKey.lastIndexOf(':'))}` };
}
