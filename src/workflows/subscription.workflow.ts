import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  currentUpdateInfo,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/createActivities';
import type { BillingSubscriptionSnapshot } from '../activities/subscriptionBilling.activities';
import type { PreparedSubscription } from '../activities/subscriptionPreparation.activities';
import type { EndedSubscription } from '../activities/subscriptionRecords.activities';
import type { LifecycleState } from '../domain/subscriptions/lifecycleTimers';
import { apiCause, type TransitionCause } from '../domain/subscriptions/subscriptionHistory';
import type { SubscriptionRequest } from '../domain/subscriptions/subscriptionRequest.types';
import type { EndReason } from '../domain/subscriptions/subscription';

type EndingReason = Exclude<EndReason, 'REPLACED' | 'TRIAL_CONVERTED'>;
import { defaultActivityOptions } from './activityOptions';
import { businessFailureOf } from './businessFailureOf';
import {
  billingEventSignal,
  cancelSubscriptionUpdate,
  initialSubscriptionSignal,
  migrateSubscriptionUpdate,
  provisionOutcomeUpdate,
  subscriptionEndedSignal,
  subscriptionStatusQuery,
  updateSubscriptionUpdate,
  type BillingEvent,
  type LifecycleAnswer,
  type ProvisionOutcome,
  type SubscriptionWorkflowStatus,
} from './definitions';
import { FailureType } from './failureTypes';
import { providerIdempotencyKey } from './providerIdempotencyKey';
import { runLiveSubscription, type LifecycleCommand, type LiveContext } from './liveSubscription';
import { childSubscriptionSearchAttributes, showSubscriptionInUi } from './subscriptionSearchAttributes';
import { workflowIds } from './workflowIds';

const activities = proxyActivities<Activities>(defaultActivityOptions);

// Past a checkout's expiry, how long the workflow still waits for Stripe's own expired event before asking.
const CHECKOUT_GRACE_MS = 60_000;
// While a checkout waits, when to ask Stripe in case its webhook never comes: soon after the customer could have
// paid, then every 15 minutes (about 100 calls a day per waiting checkout, far under Stripe's rate limits).
const CHECKOUT_POLL_MS = [2 * 60_000, 5 * 60_000, 15 * 60_000];

// How long an ending waits for the fallback plan's subscription to be recorded before it answers anyway.
const FALLBACK_WAIT_MS = 60_000;

const failureData = (failure: ApplicationFailure) => ({ message: failure.message, type: failure.type ?? 'Unknown', details: failure.details ? [...failure.details] : [] });

export type SubscriptionWorkflowInput = {
  environmentId: string;
  subscriptionId: string;
  customerId: string;
  request: SubscriptionRequest;
  requestKey?: string;
  // The provisionCustomer run to tell the outcome (a customer's initial subscription).
  notifyWorkflowId?: string;
  // Set by continueAsNew: the subscription is live and recorded; the new run carries on its life from this state.
  live?: { status: string; billingId: string | null; state?: LifecycleState };
};
export type SubscriptionWorkflowResult = { subscriptionId: string; status: string };

// One subscription's whole life: provisioning (with a durable hosted-checkout wait or a scheduled start), then
// watching it until it is cancelled, replaced or ended by the provider. Postgres holds its state; this run owns
// every change of it that waits or must not happen twice.
export async function subscriptionWorkflow(input: SubscriptionWorkflowInput): Promise<SubscriptionWorkflowResult> {
  const { environmentId, subscriptionId } = input;
  const view: SubscriptionWorkflowStatus = { subscriptionId, status: input.live?.status ?? 'PROVISIONING', waitingFor: 'provisioning' };
  let outcome: ProvisionOutcome | undefined;
  let failure: ApplicationFailure | undefined;
  let cancelRequested = false;
  let finished = false;
  let endedBy: { reason: string; bySubscriptionId: string } | undefined;
  const events: BillingEvent[] = [];
  const seenEvents = new Set<string>();

  const setStatus = (status: string, waitingFor: string) => {
    view.status = status;
    view.waitingFor = waitingFor;
    showSubscriptionInUi({ status });
  };
  setHandler(subscriptionStatusQuery, () => view);
  setHandler(provisionOutcomeUpdate, async () => {
    await condition(() => outcome !== undefined || failure !== undefined);
    return failure ? { failure: failureData(failure) } : { outcome: outcome! };
  });
  setHandler(billingEventSignal, (event) => {
    if (seenEvents.has(event.eventId)) return;
    seenEvents.add(event.eventId);
    events.push(event);
  });
  const fallbackDecided = new Set<string>();
  setHandler(initialSubscriptionSignal, ({ subscriptionId: decided }) => void fallbackDecided.add(decided));
  setHandler(subscriptionEndedSignal, (ended) => {
    endedBy = ended;
  });
  // Changes of a live subscription queue up for the lifecycle loop, which applies them one at a time; before it is
  // live (waiting for checkout, scheduled) a cancellation ends it at once and an update is refused.
  const commands: LifecycleCommand[] = [];
  const answers = new Map<string, LifecycleAnswer>();
  let liveLoop = false;
  const ended = () => finished || view.status === 'CANCELED' || view.status === 'EXPIRED';
  const notCancelable = () => ApplicationFailure.create({ message: `subscription "${subscriptionId}" has already ended`, type: FailureType.SubscriptionNotCancelable, nonRetryable: true });
  const notUpdatable = () => ApplicationFailure.create({ message: `subscription "${subscriptionId}" has ended: it cannot be updated`, type: FailureType.SubscriptionNotCancelable, nonRetryable: true });
  const queued = async (command: LifecycleCommand): Promise<LifecycleAnswer> => {
    commands.push(command);
    await condition(() => answers.has(command.id));
    const answer = answers.get(command.id)!;
    answers.delete(command.id);
    return answer;
  };
  setHandler(
    cancelSubscriptionUpdate,
    async (request) => {
      const cause = request.requestedBy ? apiCause(request.requestedBy) : cancelCause;
      if (liveLoop) return queued({ id: currentUpdateInfo()!.id, kind: 'cancel', request, cause });
      cancelCause = cause;
      cancelRequested = true;
      // A checkout paid at this very moment makes it live instead: the cancel is then applied to the live subscription.
      await condition(() => finished || liveLoop);
      if (!finished) return queued({ id: currentUpdateInfo()!.id, kind: 'cancel', request, cause });
      return { outcome: { subscriptionId } };
    },
    {
      validator: (_request) => {
        if (ended()) throw notCancelable();
      },
    },
  );
  setHandler(
    updateSubscriptionUpdate,
    async (request) => queued({ id: currentUpdateInfo()!.id, kind: 'update', request, cause: apiCause('updateSubscription') }),
    {
      validator: (_request) => {
        if (ended()) throw notUpdatable();
        if (!liveLoop) throw ApplicationFailure.create({ message: `subscription "${subscriptionId}" is ${view.status}: only a live subscription can be updated`, type: FailureType.SubscriptionNotUpdatable, nonRetryable: true });
      },
    },
  );

  setHandler(
    migrateSubscriptionUpdate,
    async (request) => queued({ id: currentUpdateInfo()!.id, kind: 'migrate', request, cause: apiCause('migrateSubscriptionToLatest') }),
    {
      validator: (_request) => {
        const refused = (message: string) => ApplicationFailure.create({ message, type: FailureType.SubscriptionRequestRefused, nonRetryable: true, details: [{ status: 409, code: 'SUBSCRIPTION_NOT_MIGRATABLE', field: 'subscriptionId' }] });
        if (ended()) throw refused(`subscription "${subscriptionId}" has ended: it cannot be migrated`);
        if (!liveLoop) throw refused(`subscription "${subscriptionId}" is ${view.status}: only a live subscription can be migrated`);
      },
    },
  );

  const tellParent = async (told: { outcome: ProvisionOutcome } | { failure: ApplicationFailure }) => {
    if (!input.notifyWorkflowId) return;
    const message = 'outcome' in told ? told : { failure: failureData(told.failure) };
    await getExternalWorkflowHandle(input.notifyWorkflowId).signal(initialSubscriptionSignal, { subscriptionId, ...message }).catch(() => undefined);
  };

  // Ends at the provider what this subscription replaced, and tells their workflows to stop watching.
  const endReplaced = async (ended: EndedSubscription[]) => {
    for (const old of ended) {
      if (old.billingId) await activities.cancelBillingSubscription({ idempotencyKey: providerIdempotencyKey(`cancel-replaced:${old.id}`), billingId: old.billingId });
      await getExternalWorkflowHandle(workflowIds.subscription(environmentId, old.id))
        .signal(subscriptionEndedSignal, { reason: 'REPLACED', bySubscriptionId: subscriptionId })
        .catch(() => undefined);
    }
  };

  let cancelCause = apiCause('cancelSubscription');
  const webhookCause = (event: BillingEvent | undefined): TransitionCause => ({ kind: 'WEBHOOK', detail: event ? `${event.type} ${event.eventId}` : null });
  // Ends it; when nothing else is live on the product (and resource), the customer moves to the fallback plan.
  const end = async (status: 'CANCELED' | 'EXPIRED', reason: EndingReason, cause: TransitionCause) => {
    await endOnly(status, reason, cause);
    return finish(view.status);
  };
  const endOnly = async (status: 'CANCELED' | 'EXPIRED', reason: EndingReason, cause: TransitionCause): Promise<'ended'> => {
    const endedRow = await activities.endSubscription({ environmentId, subscriptionId, status, reason, cause, at: new Date().toISOString() });
    setStatus(endedRow.status, 'nothing: it has ended');
    const fallback = await activities.fallbackAfterEnd({ environmentId, subscriptionId });
    if (fallback) {
      const fallbackId = `sub-${uuid4()}`;
      await startChild(subscriptionWorkflow, {
        workflowId: workflowIds.subscription(environmentId, fallbackId),
        args: [
          {
            environmentId,
            subscriptionId: fallbackId,
            customerId: fallback.customerId,
            request: { planId: fallback.planId, ...(fallback.resourceId !== null && { resourceId: fallback.resourceId }), skipTrial: true },
            notifyWorkflowId: workflowInfo().workflowId,
          },
        ],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: childSubscriptionSearchAttributes(fallbackId),
      });
      // The caller's answer (a cancellation) comes once the fallback plan is recorded, so its next read sees it.
      await condition(() => fallbackDecided.has(fallbackId), FALLBACK_WAIT_MS);
    }
    return 'ended';
  };
  const finish = async (status: string): Promise<SubscriptionWorkflowResult> => {
    finished = true;
    view.status = status;
    // Changes still queued when it ended are answered: a cancel is done (it has ended), an update comes too late.
    for (const command of commands.splice(0)) {
      answers.set(command.id, command.kind === 'cancel' ? { outcome: { subscriptionId } } : { failure: failureData(notUpdatable()) });
    }
    await condition(allHandlersFinished);
    return { subscriptionId, status };
  };

  // A live subscription's life, run by runLiveSubscription; a long life stays a short history: at each renewal (or
  // when Temporal suggests it) the next run carries only the state.
  const watchLive = async (state: LifecycleState | undefined): Promise<SubscriptionWorkflowResult> => {
    liveLoop = true;
    let current = state ?? (await activities.readLifecycle({ environmentId, subscriptionId }));
    const context: LiveContext = {
      environmentId,
      subscriptionId,
      customerId: input.customerId,
      commands,
      answers,
      events,
      eventsApplied: 0,
      replaced: () => endedBy !== undefined,
      setStatus,
      endReplaced,
      end: endOnly,
    };
    for (;;) {
      const outcome = await runLiveSubscription(context, current);
      if (outcome === 'replaced') return finish('CANCELED');
      if (outcome === 'ended') return finish(view.status);
      current = outcome.continueAsNew;
      await condition(() => allHandlersFinished() || commands.length > 0);
      // Work that arrived meanwhile is done by this run: a new run would not see a command or event queued here.
      if (commands.length > 0 || context.eventsApplied < events.length) continue;
      return continueAsNew<typeof subscriptionWorkflow>({ ...input, live: { status: current.status, billingId: current.billingId, state: current } });
    }
  };

  if (input.live) return watchLive(input.live.state);

  showSubscriptionInUi({ subscriptionId, planId: input.request.planId, status: 'PROVISIONING' });
  let prepared: PreparedSubscription;
  try {
    prepared = await activities.prepareSubscription({ environmentId, customerId: input.customerId, request: input.request, now: new Date().toISOString() });
  } catch (error) {
    return fail(error);
  }

  async function fail(error: unknown): Promise<never> {
    const business = businessFailureOf(error);
    if (!business) throw error;
    failure = business;
    await tellParent({ failure: business });
    await condition(allHandlersFinished);
    throw business;
  }

  const { decision } = prepared;
  const request = input.request;
  const metadata = request.metadata ?? {};
  const providerMetadata = {
    ...(request.billingInformation?.metadata ?? {}),
    tollgate_environment: environmentId,
    tollgate_subscription_id: subscriptionId,
    tollgate_customer_id: input.customerId,
  };
  const items = prepared.prices.map((price) => ({ priceBillingId: price.billingId!, quantity: price.quantity }));
  const extras = {
    promotionCode: request.promotionCode ?? null,
    taxRateIds: request.billingInformation?.taxRateIds ?? [],
    taxPercentage: request.billingInformation?.taxPercentage ?? null,
  };
  const record = (billing: BillingSubscriptionSnapshot | null, checkout: { sessionId: string; url: string; expiresAt: string } | null) =>
    activities.recordSubscription({
      environmentId,
      subscriptionId,
      customerId: input.customerId,
      prepared,
      metadata,
      promotionCode: request.promotionCode ?? null,
      billing,
      checkout,
      requestKey: input.requestKey,
      cause: apiCause(input.notifyWorkflowId ? 'provisionCustomer' : 'provisionSubscription', input.requestKey),
    });
  const subscribeAtProvider = async (startNow: boolean, trial = decision.trial) => {
    // Only a start date the caller set in the past is billed from then (Stripe's backdate_start_date).
    const started = request.startDate !== undefined && new Date(decision.startDate).getTime() < Date.now();
    return activities.subscribeAtProvider({
      idempotencyKey: providerIdempotencyKey('subscription'),
      customerBillingId: prepared.customerBillingId!,
      items,
      extras,
      trialEnd: trial ? decision.trialEndDate : null,
      backdateStart: startNow && started ? decision.startDate : null,
      metadata: providerMetadata,
    });
  };
  const announce = async (provisionStatus: ProvisionOutcome['provisionStatus'], checkoutUrl?: string) => {
    outcome = { provisionStatus, subscriptionId, ...(checkoutUrl && { checkoutUrl }) };
    await tellParent({ outcome });
  };

  // Scheduled: recorded now, started by a durable timer (or cancelled before).
  if (decision.scheduled) {
    try {
      await record(null, null);
    } catch (error) {
      return fail(error);
    }
    setStatus('NOT_STARTED', `the start date, ${decision.startDate}`);
    await announce('SUCCESS');
    const untilStart = new Date(decision.startDate).getTime() - Date.now();
    if (await condition(() => cancelRequested, untilStart)) return end('CANCELED', 'CANCELED', cancelCause);
    const startTimer: TransitionCause = { kind: 'TIMER', detail: 'scheduled start' };
    // A trial used meanwhile, or the plan paid for meanwhile: it starts paid, not as a trial.
    const trial = await activities.scheduledStartIsTrial({ environmentId, subscriptionId, trialRequested: decision.trial });
    let billing: BillingSubscriptionSnapshot | null = null;
    if (decision.payment === 'SUBSCRIBE') {
      try {
        billing = await subscribeAtProvider(false, trial);
      } catch (error) {
        if (!businessFailureOf(error)) throw error;
        return end('EXPIRED', 'START_FAILED', startTimer);
      }
    }
    const started = await activities.startSubscription({ environmentId, subscriptionId, trial, billing, cause: startTimer });
    await endReplaced(started.ended);
    setStatus(started.subscription.status, '');
    return watchLive(undefined);
  }

  if (decision.payment !== 'CHECKOUT') {
    let billing: BillingSubscriptionSnapshot | null = null;
    try {
      if (decision.payment === 'SUBSCRIBE') billing = await subscribeAtProvider(true);
      const recorded = await record(billing, null).catch(async (error: unknown) => {
        // Refused at the last moment (a concurrent provision won): nothing may stay billed for it.
        if (billing && businessFailureOf(error)) await activities.cancelBillingSubscription({ idempotencyKey: providerIdempotencyKey('undo-subscription'), billingId: billing.billingId });
        throw error;
      });
      await endReplaced(recorded.ended);
      setStatus(recorded.subscription.status, '');
      await announce('SUCCESS');
      return watchLive(undefined);
    } catch (error) {
      return fail(error);
    }
  }

  // Hosted checkout: the answer goes out at once with the checkout URL; the subscription waits here durably.
  let session: { sessionId: string; url: string; expiresAt: string };
  try {
    const options = request.checkoutOptions;
    session = await activities.openCheckout({
      environmentId,
      customerId: input.customerId,
      idempotencyKey: providerIdempotencyKey('checkout'),
      extras,
      checkout: {
        items,
        trialEnd: decision.trial ? decision.trialEndDate : null,
        successUrl: options?.successUrl ?? '',
        cancelUrl: options?.cancelUrl ?? '',
        allowPromotionCodes: options?.allowPromoCodes ?? false,
        collectBillingAddress: options?.collectBillingAddress ?? false,
        collectTaxIds: options?.allowTaxIdCollection ?? false,
        collectPhoneNumber: options?.collectPhoneNumber ?? false,
        referenceId: options?.referenceId ?? null,
        metadata: providerMetadata,
      },
    });
    await record(null, session).catch(async (error: unknown) => {
      if (businessFailureOf(error)) await activities.expireCheckoutSession({ idempotencyKey: providerIdempotencyKey('undo-checkout'), sessionId: session.sessionId });
      throw error;
    });
  } catch (error) {
    return fail(error);
  }
  view.checkoutUrl = session.url;
  view.checkoutExpiresAt = session.expiresAt;
  setStatus('PAYMENT_PENDING', `checkout ${session.sessionId}: the customer paying (checkout.session.completed), a cancel, or expiry at ${session.expiresAt}`);
  await announce('PAYMENT_REQUIRED', session.url);

  const sessionEvent = (type: string) => events.find((e) => e.type === type && e.objectId === session.sessionId);
  const deadline = new Date(session.expiresAt).getTime() + CHECKOUT_GRACE_MS;
  const heard = () => cancelRequested || sessionEvent('checkout.session.completed') !== undefined || sessionEvent('checkout.session.expired') !== undefined;
  let paidSubscription: string | null = null;
  // Set when asking the provider (not a webhook) told how the checkout ended.
  let polled: TransitionCause | undefined;
  const pollCause: TransitionCause = { kind: 'PROVIDER_POLL', detail: `checkout session ${session.sessionId}` };
  // Webhooks are the fast path; asking Stripe now and then covers a webhook lost or never configured.
  for (let poll = 0; !heard() && paidSubscription === null && Date.now() < deadline; poll++) {
    const wait = Math.min(CHECKOUT_POLL_MS[Math.min(poll, CHECKOUT_POLL_MS.length - 1)]!, deadline - Date.now());
    if (await condition(heard, Math.max(wait, 1))) break;
    if (Date.now() >= deadline) break;
    const state = await activities.getCheckoutSession(session.sessionId);
    if (state.status === 'complete') paidSubscription = state.subscriptionBillingId;
    if (state.status === 'complete' || state.status === 'expired') polled = pollCause;
    if (state.status === 'expired') break;
  }

  paidSubscription ??= sessionEvent('checkout.session.completed')?.subscriptionBillingId ?? null;
  if (!paidSubscription) {
    // Expired, cancelled, or no word from the provider by the deadline: expire it there, unless it was paid meanwhile.
    const state = await activities.expireCheckoutSession({ idempotencyKey: providerIdempotencyKey('expire-checkout'), sessionId: session.sessionId });
    if (state.status === 'complete') {
      paidSubscription = state.subscriptionBillingId;
      polled = pollCause;
    } else if (cancelRequested) {
      return end('CANCELED', 'CANCELED', cancelCause);
    } else {
      const expired = sessionEvent('checkout.session.expired');
      return end('EXPIRED', 'CHECKOUT_EXPIRED', expired ? webhookCause(expired) : (polled ?? { kind: 'TIMER', detail: 'checkout expiry' }));
    }
  }
  view.checkoutUrl = undefined;
  view.checkoutExpiresAt = undefined;
  const billing = await activities.getBillingSubscription(paidSubscription!);
  const completed = sessionEvent('checkout.session.completed');
  const paidCause = polled ?? webhookCause(completed);
  const started = await activities.startSubscription({ environmentId, subscriptionId, trial: billing.status === 'trialing', billing, cause: paidCause });
  await endReplaced(started.ended);
  setStatus(started.subscription.status, '');
  return watchLive(undefined);
}
