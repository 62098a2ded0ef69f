import { ApplicationFailure } from '@temporalio/common';
import { DatabaseError } from 'pg';
import { commitChange, entitlementsOf } from '../db/commitChange';
import type { Transaction } from 'kysely';
import type { DbOrTransaction } from '../db/createDb';
import type { Database, SubscriptionRow } from '../db/database';
import { recordAppliedRequest } from '../db/repositories/appliedRequests.repository';
import { appendSubscriptionHistory } from '../db/repositories/subscriptionHistory.repository';
import {
  findSubscription,
  insertSubscription,
  isTrialUsed,
  listLiveInScope,
  listReplacedBy,
  lockCustomer,
  recordTrialUsage,
  updateSubscriptionRow,
} from '../db/repositories/subscriptions.repository';
import { subscriptionChanged, type ChangeEvent } from '../domain/changeEvent';
import { grantsTrial, replacedWhenStarting } from '../domain/subscriptions/provisioningDecision';
import type { EndReason, Subscription } from '../domain/subscriptions/subscription';
import { creationTransition, defaultEndingCause, endingTransition, type TransitionCause } from '../domain/subscriptions/subscriptionHistory';
import { toSubscriptionView } from '../domain/subscriptions/toSubscriptionView';
import { billingPeriodAt } from '../domain/subscriptions/billingCycle';
import { FailureType } from '../workflows/failureTypes';
import type { ActivityDependencies } from './activityDependencies';
import type { BillingSubscriptionSnapshot } from './subscriptionBilling.activities';
import { refused } from './subscriptionPreparation.activities';
import type { PreparedSubscription } from './subscriptionPreparation.activities';

type Trx = Transaction<Database>;
// The reasons a subscription ends by itself (a replacement is recorded by the subscription that replaces it).
type EndingReason = Exclude<EndReason, 'REPLACED' | 'TRIAL_CONVERTED'>;
// A subscription this one ended, with what its own workflow and the provider need to hear.
export type EndedSubscription = { id: string; billingId: string | null };
export type RecordedSubscription = { subscription: Subscription; ended: EndedSubscription[] };

// The current billing period: the provider's, else (no provider) counted by Tollgate from the start for a paid
// subscription that is not a trial; a trial has no billing period until it converts.
function periodsOf(billing: BillingSubscriptionSnapshot | null, paid: { pricingType: string; billingPeriod: 'MONTHLY' | 'ANNUALLY' | null } | null, start: Date, now: Date) {
  if (billing) {
    const periodStart = dateOrNull(billing.currentPeriodStart);
    return { current_billing_period_start: periodStart, current_billing_period_end: dateOrNull(billing.currentPeriodEnd), billing_cycle_anchor: periodStart };
  }
  if (!paid || paid.pricingType !== 'PAID' || paid.billingPeriod === null) return { current_billing_period_start: null, current_billing_period_end: null, billing_cycle_anchor: null };
  const period = billingPeriodAt(start, paid.billingPeriod, now.getTime() < start.getTime() ? start : now);
  return { current_billing_period_start: period.start, current_billing_period_end: period.end, billing_cycle_anchor: start };
}

const ended = (rows: SubscriptionRow[]): EndedSubscription[] => rows.map((row) => ({ id: row.id, billingId: row.billing_id }));
const dateOrNull = (text: string | null | undefined) => (text ? new Date(text) : null);

// Under the customer's lock: ends what a starting subscription replaces, per the seed's rules as they stand now.
type Starting = Pick<SubscriptionRow, 'environment_id' | 'id' | 'customer_id' | 'product_id' | 'resource_id' | 'plan_id'>;

// Each one ended is recorded in its history with the cause of the start that replaced it.
async function endReplaced(trx: Trx, row: Starting, trial: boolean, now: Date, cause: TransitionCause): Promise<SubscriptionRow[]> {
  const scope = { environmentId: row.environment_id, customerId: row.customer_id, productId: row.product_id, resourceId: row.resource_id };
  const replaced = replacedWhenStarting({ id: row.id, planId: row.plan_id, trial }, await listLiveInScope(trx, scope));
  const rows: SubscriptionRow[] = [];
  for (const old of replaced) {
    const reason: EndReason = old.slot === 'TRIAL' && old.planId === row.plan_id ? 'TRIAL_CONVERTED' : 'REPLACED';
    const before = await findSubscription(trx, row.environment_id, old.id);
    const updated = await updateSubscriptionRow(trx, row.environment_id, old.id, { status: 'CANCELED', live_slot: null, end_date: now, end_reason: reason, replaced_by_id: row.id });
    if (!updated) continue;
    await appendSubscriptionHistory(trx, { transition: endingTransition(reason), cause, before: before ?? null, after: updated });
    rows.push(updated);
  }
  return rows;
}

async function requireSubscription(db: DbOrTransaction, environmentId: string, subscriptionId: string): Promise<SubscriptionRow> {
  const row = await findSubscription(db, environmentId, subscriptionId);
  if (!row) throw ApplicationFailure.nonRetryable(`subscription "${subscriptionId}" was not found`, FailureType.SubscriptionNotFound);
  return row;
}

async function claimTrial(trx: Trx, row: SubscriptionRow) {
  const claimed = await recordTrialUsage(trx, { environmentId: row.environment_id, customerId: row.customer_id, productId: row.product_id, planId: row.plan_id, subscriptionId: row.id });
  if (!claimed) throw refused(`customer "${row.customer_id}" has already used a trial on product "${row.product_id}"`, { status: 409, code: 'TRIAL_ALREADY_USED', field: 'planId' });
}

// Two provisions that would hold the same live place: the loser is told, nothing of it is kept.
function slotTaken(error: unknown): never {
  if (error instanceof DatabaseError && error.code === '23505' && error.constraint === 'subscriptions_one_per_live_slot') {
    throw refused('another subscription took this place on the product at the same moment; retry', { status: 409, code: 'SUBSCRIPTION_CONFLICT', field: 'planId' });
  }
  throw error;
}

const events = (result: { subscription: Subscription; endedRows: SubscriptionRow[]; changed: boolean }, type: 'subscription.created' | 'subscription.updated'): ChangeEvent[] =>
  result.changed ? [subscriptionChanged(type, result.subscription), ...result.endedRows.map((row) => subscriptionChanged('subscription.ended', toSubscriptionView(row)))] : [];

export function createSubscriptionRecordActivities({ db }: ActivityDependencies) {
  const lockLiveCustomer = async (trx: Trx, environmentId: string, customerId: string) => {
    const customer = await lockCustomer(trx, environmentId, customerId);
    if (!customer) throw ApplicationFailure.nonRetryable(`customer "${customerId}" was not found`, FailureType.CustomerNotFound);
    if (customer.archived_at) throw ApplicationFailure.nonRetryable(`customer "${customerId}" is archived`, FailureType.CustomerArchived);
  };

  return {
    // Records a new subscription as the workflow decided it (live, waiting for checkout, or scheduled), ending what
    // it replaces when it starts now. A retry after a lost answer finds the row and what it ended.
    async recordSubscription(input: {
      environmentId: string;
      subscriptionId: string;
      customerId: string;
      prepared: PreparedSubscription;
      metadata: Record<string, string>;
      promotionCode: string | null;
      billing: BillingSubscriptionSnapshot | null;
      checkout: { sessionId: string; url: string; expiresAt: string } | null;
      requestKey?: string;
      // Why it is recorded (default: a provisionSubscription request); also the cause of what it replaces.
      cause?: TransitionCause;
    }): Promise<RecordedSubscription> {
      const { environmentId, subscriptionId, prepared } = input;
      const { decision } = prepared;
      const cause = input.cause ?? { kind: 'API', detail: 'provisionSubscription' };
      const result = await commitChange(db, {
        environmentId,
        write: async (trx) => {
          // Looked up under the customer's lock, so a concurrent retry finds what the first one recorded.
          await lockCustomer(trx, environmentId, input.customerId);
          const existing = await findSubscription(trx, environmentId, subscriptionId);
          if (existing) return { subscription: toSubscriptionView(existing), endedRows: await listReplacedBy(trx, environmentId, subscriptionId), changed: false };
          await lockLiveCustomer(trx, environmentId, input.customerId);
          const now = new Date();
          const starts = decision.slot === 'PAID' || decision.slot === 'TRIAL';
          const starting = { environment_id: environmentId, id: subscriptionId, customer_id: input.customerId, product_id: prepared.productId, resource_id: prepared.resourceId, plan_id: prepared.planId };
          // What it replaces leaves its place first, so the unique index sees one subscription per place throughout.
          const endedRows = starts ? await endReplaced(trx, starting, decision.trial, now, cause) : [];
          const row = await insertSubscription(trx, {
            environment_id: environmentId,
            id: subscriptionId,
            customer_id: input.customerId,
            product_id: prepared.productId,
            resource_id: prepared.resourceId,
            plan_id: prepared.planId,
            plan_version: prepared.planVersion,
            pricing_type: prepared.pricingType,
            status: decision.status,
            live_slot: decision.slot,
            billing_period: prepared.billingPeriod,
            billing_country_code: prepared.billingCountryCode,
            currency: prepared.currency,
            billable_features: JSON.stringify(prepared.billableFeatures),
            addons: JSON.stringify(prepared.addons),
            prices: JSON.stringify(prepared.prices),
            start_date: new Date(decision.startDate),
            trial_end_date: dateOrNull(input.billing?.trialEnd ?? decision.trialEndDate),
            ...periodsOf(input.billing, decision.slot === 'PAID' ? prepared : null, new Date(decision.startDate), now),
            promotion_code: input.promotionCode,
            billing_id: input.billing?.billingId ?? null,
            checkout_session_id: input.checkout?.sessionId ?? null,
            checkout_url: input.checkout?.url ?? null,
            checkout_expires_at: dateOrNull(input.checkout?.expiresAt),
            metadata: JSON.stringify(input.metadata),
          }).catch(slotTaken);
          if (decision.slot === 'TRIAL') await claimTrial(trx, row);
          await appendSubscriptionHistory(trx, { transition: creationTransition(row.status), cause, before: null, after: row });
          const subscription = toSubscriptionView(row);
          if (input.requestKey) await recordAppliedRequest(trx, environmentId, input.requestKey, { subscriptionId });
          return { subscription, endedRows, changed: true };
        },
        recompute: (result) => (result.changed ? [entitlementsOf(input.customerId)] : []),
        events: (result) => events(result, 'subscription.created'),
      });
      return { subscription: result.subscription, ended: ended(result.endedRows) };
    },

    // Whether a scheduled subscription still starts as a trial, by what is live at its start date.
    async scheduledStartIsTrial(input: { environmentId: string; subscriptionId: string; trialRequested: boolean }): Promise<boolean> {
      if (!input.trialRequested) return false;
      const row = await requireSubscription(db, input.environmentId, input.subscriptionId);
      const scope = { environmentId: row.environment_id, customerId: row.customer_id, productId: row.product_id, resourceId: row.resource_id };
      const [live, trialUsed] = await Promise.all([listLiveInScope(db, scope), isTrialUsed(db, scope)]);
      return grantsTrial(row.plan_id, trialUsed, live.filter((s) => s.id !== row.id));
    },

    // A waiting or scheduled subscription starts: it takes its live place and ends what it replaces now.
    // `cause` defaults to the scheduled start's timer, or the checkout's completion webhook.
    async startSubscription(input: { environmentId: string; subscriptionId: string; trial: boolean; billing: BillingSubscriptionSnapshot | null; cause?: TransitionCause }): Promise<RecordedSubscription> {
      const { environmentId, subscriptionId } = input;
      const result = await commitChange(db, {
        environmentId,
        write: async (trx) => {
          const { customer_id: customerId } = await requireSubscription(trx, environmentId, subscriptionId);
          // Read again under the customer's lock, so a concurrent retry sees the start the first one committed.
          await lockCustomer(trx, environmentId, customerId);
          const current = await requireSubscription(trx, environmentId, subscriptionId);
          if (current.live_slot === 'PAID' || current.live_slot === 'TRIAL' || current.live_slot === null) {
            return { subscription: toSubscriptionView(current), endedRows: await listReplacedBy(trx, environmentId, subscriptionId), changed: false };
          }
          await lockLiveCustomer(trx, environmentId, customerId);
          const cause: TransitionCause = input.cause ?? (current.live_slot === 'SCHEDULED' ? { kind: 'TIMER', detail: 'scheduled start' } : { kind: 'WEBHOOK', detail: 'checkout.session.completed' });
          const now = new Date();
          const endedRows = await endReplaced(trx, current, input.trial, now, cause);
          const row = (await updateSubscriptionRow(trx, environmentId, subscriptionId, {
            status: input.trial ? 'IN_TRIAL' : 'ACTIVE',
            live_slot: input.trial ? 'TRIAL' : 'PAID',
            billing_id: input.billing?.billingId ?? current.billing_id,
            ...(current.live_slot === 'SCHEDULED' ? {} : { start_date: now }),
            trial_end_date: dateOrNull(input.billing?.trialEnd) ?? (input.trial ? current.trial_end_date : null),
            ...periodsOf(input.billing, input.trial ? null : { pricingType: current.pricing_type, billingPeriod: current.billing_period }, current.live_slot === 'SCHEDULED' ? current.start_date : now, now),
          }).catch(slotTaken))!;
          if (input.trial) await claimTrial(trx, row);
          await appendSubscriptionHistory(trx, { transition: 'STARTED', cause, before: current, after: row });
          return { subscription: toSubscriptionView(row), endedRows, changed: true };
        },
        recompute: (result) => (result.changed ? [entitlementsOf(result.subscription.customerId)] : []),
        events: (result) => events(result, 'subscription.updated'),
      });
      return { subscription: result.subscription, ended: ended(result.endedRows) };
    },

    // A trial that ends with a way to pay becomes the paid subscription (what it sat beside on the product ends, as
    // when a paid subscription starts); `billing` is the provider's subscription, null without a provider.
    async convertTrialToPaid(input: { environmentId: string; subscriptionId: string; billing: BillingSubscriptionSnapshot | null; cause: TransitionCause }): Promise<RecordedSubscription> {
      const { environmentId, subscriptionId } = input;
      const result = await commitChange(db, {
        environmentId,
        write: async (trx) => {
          const { customer_id: customerId } = await requireSubscription(trx, environmentId, subscriptionId);
          await lockCustomer(trx, environmentId, customerId);
          const current = await requireSubscription(trx, environmentId, subscriptionId);
          if (current.live_slot !== 'TRIAL') return { subscription: toSubscriptionView(current), endedRows: await listReplacedBy(trx, environmentId, subscriptionId), changed: false };
          const now = new Date();
          const endedRows = await endReplaced(trx, current, false, now, input.cause);
          const row = (await updateSubscriptionRow(trx, environmentId, subscriptionId, {
            status: 'ACTIVE',
            live_slot: 'PAID',
            billing_id: input.billing?.billingId ?? current.billing_id,
            ...periodsOf(input.billing, { pricingType: current.pricing_type, billingPeriod: current.billing_period }, now, now),
          }).catch(slotTaken))!;
          await appendSubscriptionHistory(trx, { transition: 'ACTIVATED', cause: input.cause, before: current, after: row });
          return { subscription: toSubscriptionView(row), endedRows, changed: true };
        },
        recompute: (result) => (result.changed ? [entitlementsOf(result.subscription.customerId)] : []),
        events: (result) => events(result, 'subscription.updated'),
      });
      return { subscription: result.subscription, ended: ended(result.endedRows) };
    },

    // Ends a subscription (expired checkout, cancellation, the provider ended it); ending an ended one changes nothing.
    // `cause` defaults by the reason (a cancellation request, the checkout's or the start's timer, the provider's webhook).
    // `at`: when it ended by the workflow's clock (a timer fires exactly then), else now.
    async endSubscription(input: { environmentId: string; subscriptionId: string; status: 'CANCELED' | 'EXPIRED'; reason: EndingReason; cause?: TransitionCause; at?: string }): Promise<Subscription> {
      const { environmentId, subscriptionId } = input;
      const result = await commitChange(db, {
        environmentId,
        write: async (trx) => {
          const { customer_id: customerId } = await requireSubscription(trx, environmentId, subscriptionId);
          // The same lock as a start or a replacement (an archived customer's subscription still ends), then the row
          // read again: a concurrent retry waits here and finds it ended.
          await lockCustomer(trx, environmentId, customerId);
          const current = await requireSubscription(trx, environmentId, subscriptionId);
          if (current.live_slot === null) return { subscription: toSubscriptionView(current), changed: false };
          const now = input.at ? new Date(input.at) : new Date();
          const row = (await updateSubscriptionRow(trx, environmentId, subscriptionId, { status: input.status, live_slot: null, end_date: now, end_reason: input.reason, ...(input.reason === 'CANCELED' && { cancellation_date: now }) }))!;
          await appendSubscriptionHistory(trx, { transition: endingTransition(input.reason), cause: input.cause ?? defaultEndingCause(input.reason), before: current, after: row });
          return { subscription: toSubscriptionView(row), changed: true };
        },
        recompute: (result) => (result.changed ? [entitlementsOf(result.subscription.customerId)] : []),
        events: (result) => (result.changed ? [subscriptionChanged('subscription.ended', result.subscription)] : []),
      });
      return result.subscription;
    },
  };
}
