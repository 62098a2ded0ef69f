import { ApplicationFailure, condition, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/createActivities';
import type { BillingSubscriptionSnapshot } from '../activities/subscriptionBilling.activities';
import type { EndedSubscription } from '../activities/subscriptionRecords.activities';
import { cancellationDateOf } from '../domain/subscriptions/cancellationTime';
import { nextLifecycleTimer, type LifecycleState, type LifecycleTimer, type LifecycleTimerKind } from '../domain/subscriptions/lifecycleTimers';
import type { EndReason } from '../domain/subscriptions/subscription';
import type { TransitionCause } from '../domain/subscriptions/subscriptionHistory';
import type { SubscriptionUpdate } from '../domain/subscriptions/subscriptionUpdate';
import { defaultActivityOptions } from './activityOptions';
import { businessFailureOf } from './businessFailureOf';
import type { BillingEvent, CancelRequest, FailureData, LifecycleAnswer, MigrateRequest } from './definitions';
import { FailureType } from './failureTypes';
import { providerIdempotencyKey } from './providerIdempotencyKey';
import { migrateSubscription } from './subscriptionMigration';

const activities = proxyActivities<Activities>(defaultActivityOptions);

// A trial the provider has not converted yet at its end, a late renewal, or a scheduled migration the provider
// could not take: try again this much later.
const RECHECK_MS = { TRIAL_END: 5 * 60_000, PROVIDER_CHECK: 24 * 60 * 60_000, MIGRATION: 60 * 60_000 } as const;

// A change asked through an Update, applied by the loop one at a time in arrival order.
export type LifecycleCommand =
  | { id: string; kind: 'update'; request: SubscriptionUpdate; cause: TransitionCause }
  | { id: string; kind: 'cancel'; request: CancelRequest; cause: TransitionCause }
  | { id: string; kind: 'migrate'; request: MigrateRequest; cause: TransitionCause };

export type LiveContext = {
  environmentId: string;
  subscriptionId: string;
  customerId: string;
  commands: LifecycleCommand[];
  answers: Map<string, LifecycleAnswer>;
  // Provider events in arrival order (deduplicated by id); `next` is the first not applied yet.
  events: BillingEvent[];
  eventsApplied: number;
  replaced: () => boolean;
  setStatus: (status: string, waitingFor: string) => void;
  endReplaced: (ended: EndedSubscription[]) => Promise<void>;
  // Ends the subscription (and puts the customer on the fallback plan when that applies); the run's result.
  end: (status: 'CANCELED' | 'EXPIRED', reason: Exclude<EndReason, 'REPLACED' | 'TRIAL_CONVERTED'>, cause: TransitionCause) => Promise<'ended'>;
};

export type LiveOutcome = 'ended' | 'replaced' | { continueAsNew: LifecycleState };

const failureData = (failure: ApplicationFailure): FailureData => ({ message: failure.message, type: failure.type ?? 'Unknown', details: failure.details ? [...failure.details] : [] });
const invalid = (field: string, message: string): FailureData => ({ message: `${field}: ${message}`, type: FailureType.SubscriptionRequestRefused, details: [{ status: 400, code: 'INVALID_INPUT', field }] });

function describeWait(state: LifecycleState, timer: LifecycleTimer | null): string {
  const next = timer ? `; next on its own clock: ${timer.kind} at ${new Date(timer.at).toISOString()}` : '';
  return `an update, a cancellation, a provider event or a replacement${next}`;
}

// A live subscription's life after it started: updates and cancellations (Updates), provider events (signals) and its
// own timers (trial end, scheduled cancellation, renewal without a provider, a failed payment's grace period), one at a
// time. It hands back to the workflow to continue as new at each renewal or when the history grows long.
export async function runLiveSubscription(ctx: LiveContext, initial: LifecycleState): Promise<LiveOutcome> {
  const { environmentId, subscriptionId } = ctx;
  let state = initial;
  const postponed = new Map<LifecycleTimerKind, number>();

  const dueTimer = (): LifecycleTimer | null => {
    const timer = nextLifecycleTimer(state);
    if (!timer) return null;
    const until = postponed.get(timer.kind);
    return until !== undefined && until > timer.at ? { ...timer, at: until } : timer;
  };
  const pending = () => ctx.commands.length > 0 || ctx.eventsApplied < ctx.events.length || ctx.replaced();
  const answer = (id: string, result: LifecycleAnswer) => ctx.answers.set(id, result);

  for (;;) {
    const timer = dueTimer();
    ctx.setStatus(state.status, describeWait(state, timer));
    const wait = timer ? Math.max(timer.at - Date.now(), 1) : undefined;
    const wake = () => pending() || workflowInfo().continueAsNewSuggested;
    const woken = wait === undefined ? (await condition(wake), true) : await condition(wake, wait);
    if (ctx.replaced()) return 'replaced';

    if (ctx.commands.length > 0) {
      const command = ctx.commands.shift()!;
      const outcome = await applyCommand(command);
      if (outcome) return outcome;
      continue;
    }
    if (ctx.eventsApplied < ctx.events.length) {
      const event = ctx.events[ctx.eventsApplied++]!;
      const outcome = await applyProviderEvent(event);
      if (outcome) return outcome;
      continue;
    }
    if (!woken && timer) {
      const outcome = await onTimer(timer);
      if (outcome) return outcome;
      continue;
    }
    if (workflowInfo().continueAsNewSuggested) return { continueAsNew: state };
  }

  async function applyCommand(command: LifecycleCommand): Promise<LiveOutcome | undefined> {
    try {
      if (command.kind === 'migrate') return await applyMigrate(command);
      return command.kind === 'update' ? await applyUpdate(command) : await applyCancel(command);
    } catch (error) {
      const business = businessFailureOf(error);
      // Retries exhausted (the provider or Postgres down for long): the caller is told, the subscription lives on.
      const failure = business ? failureData(business) : { message: `the change could not be applied: ${(error as Error).message}`, type: FailureType.LifecycleChangeUnavailable, details: [] };
      answer(command.id, { failure });
      return undefined;
    }
  }

  async function applyUpdate(command: Extract<LifecycleCommand, { kind: 'update' }>): Promise<undefined> {
    const { request, cause } = command;
    const prepared = await activities.prepareSubscriptionUpdate({ environmentId, subscriptionId, update: request });
    if (request.cancellationDate === null && state.cancellationDate !== null) {
      if (state.billingId) await activities.scheduleBillingCancellation({ idempotencyKey: providerIdempotencyKey(`undo-cancel:${command.id}`), billingId: state.billingId, at: null, prorate: false });
      state = (await activities.recordScheduledCancellation({ environmentId, subscriptionId, at: null, cause })).state;
    }
    if (Object.keys(prepared.changes).length > 0) {
      let billing: BillingSubscriptionSnapshot | null = null;
      if (prepared.billing) {
        billing = await activities.updateBillingSubscription({
          ...prepared.billing,
          idempotencyKey: providerIdempotencyKey(`update:${command.id}`),
          ...('promotionCode' in prepared.changes && { promotionCode: prepared.after.promotionCode }),
        });
      }
      state = (await activities.recordSubscriptionUpdate({ environmentId, subscriptionId, prepared, billing, now: new Date().toISOString(), cause })).state;
    }
    answer(command.id, { outcome: { subscriptionId } });
    return undefined;
  }

  async function applyMigrate(command: Extract<LifecycleCommand, { kind: 'migrate' }>): Promise<undefined> {
    const migrated = await migrateSubscription({ environmentId, subscriptionId }, state, command.request.subscriptionMigrationTime, `migrate:${command.id}`, command.cause);
    state = migrated.state;
    answer(command.id, { outcome: { subscriptionId, migration: migrated.result } });
    return undefined;
  }

  // The period ended with a migration scheduled: a catalog that no longer takes the subscription drops it (it stays
  // on its version); a provider down through every retry tries again later.
  async function migrateOnTimer(timer: LifecycleTimer, cause: TransitionCause): Promise<undefined> {
    try {
      state = (await migrateSubscription({ environmentId, subscriptionId }, state, 'IMMEDIATE', `scheduled-migrate:${state.migrationDate}`, cause)).state;
    } catch (error) {
      if (!businessFailureOf(error)) {
        postponed.set('MIGRATION', timer.at + RECHECK_MS.MIGRATION);
        return undefined;
      }
      state = (await activities.recordScheduledMigration({ environmentId, subscriptionId, at: null, cause })).state;
    }
    return undefined;
  }

  async function applyCancel(command: Extract<LifecycleCommand, { kind: 'cancel' }>): Promise<LiveOutcome | undefined> {
    const { request, cause } = command;
    const decided = cancellationDateOf(
      { subscriptionCancellationTime: request.subscriptionCancellationTime, ...(request.endDate && { endDate: new Date(request.endDate) }), ...(request.prorate !== undefined && { prorate: request.prorate }) },
      { status: state.status, live: true, trialEndDate: state.trialEndDate ? new Date(state.trialEndDate) : null, currentBillingPeriodEnd: state.currentBillingPeriodEnd ? new Date(state.currentBillingPeriodEnd) : null },
      new Date(),
    );
    if ('problem' in decided) {
      answer(command.id, { failure: invalid(decided.problem.field, decided.problem.message) });
      return undefined;
    }
    if (decided.at === null) {
      if (state.billingId) await activities.cancelBillingSubscription({ idempotencyKey: providerIdempotencyKey(`cancel:${command.id}`), billingId: state.billingId, prorate: request.prorate ?? false });
      const ended = await ctx.end('CANCELED', 'CANCELED', cause);
      answer(command.id, { outcome: { subscriptionId } });
      return ended;
    }
    const at = decided.at.toISOString();
    if (state.billingId) await activities.scheduleBillingCancellation({ idempotencyKey: providerIdempotencyKey(`schedule-cancel:${command.id}`), billingId: state.billingId, at, prorate: request.prorate ?? false });
    state = (await activities.recordScheduledCancellation({ environmentId, subscriptionId, at, cause })).state;
    answer(command.id, { outcome: { subscriptionId } });
    return undefined;
  }

  // The provider's word, read back from the provider itself (an event may be stale or out of order).
  async function applyProviderEvent(event: BillingEvent): Promise<LiveOutcome | undefined> {
    const billingId = state.billingId;
    const about = event.type.startsWith('customer.subscription.') || event.type.startsWith('invoice.');
    if (!billingId || !about || (event.subscriptionBillingId ?? event.objectId) !== billingId) return undefined;
    const cause: TransitionCause = { kind: 'WEBHOOK', detail: `${event.type} ${event.eventId}` };
    return syncWithProvider(billingId, cause, event);
  }

  async function syncWithProvider(billingId: string, cause: TransitionCause, event: BillingEvent | null): Promise<LiveOutcome | undefined> {
    const provider = await activities.getBillingSubscription(billingId);
    if (provider.status === 'canceled' || provider.status === 'incomplete_expired') return ctx.end('CANCELED', 'PROVIDER_ENDED', cause);
    if (state.status === 'IN_TRIAL' && ['active', 'past_due', 'unpaid'].includes(provider.status)) {
      const converted = await activities.convertTrialToPaid({ environmentId, subscriptionId, billing: provider, cause });
      await ctx.endReplaced(converted.ended);
    }
    const before = state.currentBillingPeriodEnd;
    state = (await activities.applyProviderState({ environmentId, subscriptionId, state: provider, eventType: event?.type ?? null, invoice: event?.invoice ?? null, now: new Date().toISOString(), cause })).state;
    // A renewal is a period boundary: a fresh run carries the state, so years of renewals stay a short history.
    return before !== null && state.currentBillingPeriodEnd !== before && ctx.commands.length === 0 ? { continueAsNew: state } : undefined;
  }

  async function onTimer(timer: LifecycleTimer): Promise<LiveOutcome | undefined> {
    const cause: TransitionCause = { kind: 'TIMER', detail: timerNames[timer.kind] };
    switch (timer.kind) {
      case 'CANCELLATION':
        if (state.billingId) await activities.cancelBillingSubscription({ idempotencyKey: providerIdempotencyKey(`scheduled-cancel:${state.cancellationDate}`), billingId: state.billingId });
        return ctx.end('CANCELED', 'CANCELED', cause);
      case 'MIGRATION':
        return migrateOnTimer(timer, cause);
      case 'GRACE_END':
        if (state.billingId) await activities.cancelBillingSubscription({ idempotencyKey: providerIdempotencyKey(`grace-end:${state.gracePeriodEnd}`), billingId: state.billingId });
        return ctx.end('EXPIRED', 'PAYMENT_FAILED', cause);
      case 'RENEWAL': {
        const renewed = await activities.renewSubscriptionPeriod({ environmentId, subscriptionId, periodEnd: state.currentBillingPeriodEnd! });
        state = renewed.state;
        return ctx.commands.length === 0 ? { continueAsNew: state } : undefined;
      }
      case 'PROVIDER_CHECK': {
        postponed.set('PROVIDER_CHECK', timer.at + RECHECK_MS.PROVIDER_CHECK);
        return syncWithProvider(state.billingId!, { kind: 'PROVIDER_POLL', detail: 'late renewal' }, null);
      }
      case 'TRIAL_END':
        return endTrial(timer);
    }
  }

  // With a provider subscription, the provider converts the trial (or not); without one, Tollgate subscribes the
  // customer if a payment method is on file now. Otherwise the trial ends and the customer falls back.
  async function endTrial(timer: LifecycleTimer): Promise<LiveOutcome | undefined> {
    const cause: TransitionCause = { kind: 'TIMER', detail: timerNames.TRIAL_END };
    if (state.billingId) {
      postponed.set('TRIAL_END', timer.at + RECHECK_MS.TRIAL_END);
      return syncWithProvider(state.billingId, cause, null);
    }
    const billing = await activities.subscribeTrialAtProvider({
      environmentId,
      subscriptionId,
      idempotencyKey: providerIdempotencyKey('trial-conversion'),
      metadata: { tollgate_environment: environmentId, tollgate_subscription_id: subscriptionId, tollgate_customer_id: ctx.customerId },
    });
    if (!billing) return ctx.end('EXPIRED', 'TRIAL_ENDED', cause);
    const converted = await activities.convertTrialToPaid({ environmentId, subscriptionId, billing, cause });
    await ctx.endReplaced(converted.ended);
    state = await activities.readLifecycle({ environmentId, subscriptionId });
    return undefined;
  }
}

const timerNames: Record<LifecycleTimerKind, string> = {
  CANCELLATION: 'scheduled cancellation',
  MIGRATION: 'scheduled migration',
  TRIAL_END: 'trial end',
  GRACE_END: 'payment grace period end',
  RENEWAL: 'billing period end',
  PROVIDER_CHECK: 'late renewal check',
};
