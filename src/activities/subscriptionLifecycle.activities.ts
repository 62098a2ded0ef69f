import { ApplicationFailure } from '@temporalio/common';
import type { Transaction } from 'kysely';
import { commitChange, entitlementsOf } from '../db/commitChange';
import type { Database, SubscriptionRow } from '../db/database';
import type { DbOrTransaction } from '../db/createDb';
import { loadSubscriptionCatalog } from '../db/repositories/catalogRead.repository';
import { findCustomer } from '../db/repositories/customers.repository';
import { appendSubscriptionHistory } from '../db/repositories/subscriptionHistory.repository';
import { findFallbackPlanId, findSubscription, listLiveInScope, listVersionPrices, lockCustomer, updateSubscriptionRow, type SubscriptionChanges } from '../db/repositories/subscriptions.repository';
import type { SubscriptionTransition, TransitionCause } from '../domain/subscriptions/subscriptionHistory';
import { subscriptionChanged } from '../domain/changeEvent';
import { billingPeriodNumber, nextBillingPeriod } from '../domain/subscriptions/billingCycle';
import type { ChosenPrice } from '../domain/subscriptions/chosenPrice';
import { choosePrices } from '../domain/subscriptions/choosePrices';
import type { LifecycleState } from '../domain/subscriptions/lifecycleTimers';
import type { ProviderInvoice, Subscription } from '../domain/subscriptions/subscription';
import { resolveSubscriptionRequest } from '../domain/subscriptions/subscriptionRequest';
import { changedFields, changesBilling, paramsAfterUpdate, type FieldChange, type SubscriptionUpdate, type UpdatableFields } from '../domain/subscriptions/subscriptionUpdate';
import { toSubscriptionView } from '../domain/subscriptions/toSubscriptionView';
import { FailureType } from '../workflows/failureTypes';
import type { ActivityDependencies } from './activityDependencies';
import type { BillingSubscriptionSnapshot } from './subscriptionBilling.activities';
import { refused } from './subscriptionPreparation.activities';

type Trx = Transaction<Database>;
const DAY_MS = 86_400_000;
export const DEFAULT_PAYMENT_GRACE_DAYS = 7;


export type PreparedUpdate = {
  changes: Record<string, FieldChange>;
  after: Omit<UpdatableFields, 'addons'> & { addons: { addonId: string; quantity: number; version: number }[]; prices: ChosenPrice[] };
  // What the provider must hear (null: nothing billed changes, or no provider subscription).
  billing: { billingId: string; customerBillingId: string | null; items: { priceBillingId: string; quantity: number }[]; resetBillingCycle: boolean; prorationDate?: string } | null;
};

export const lifecycleStateOf = (row: SubscriptionRow): LifecycleState => ({
  status: row.status,
  billingId: row.billing_id,
  pricingType: row.pricing_type,
  trialEndDate: row.trial_end_date?.toISOString() ?? null,
  currentBillingPeriodEnd: row.current_billing_period_end?.toISOString() ?? null,
  cancellationDate: row.live_slot !== null ? (row.cancellation_date?.toISOString() ?? null) : null,
  gracePeriodEnd: row.grace_period_end?.toISOString() ?? null,
  migrationDate: row.live_slot !== null ? (row.migration_date?.toISOString() ?? null) : null,
});

export const updatableOf = (row: SubscriptionRow): UpdatableFields => ({
  planId: row.plan_id,
  resourceId: row.resource_id,
  billingCountryCode: row.billing_country_code,
  billingPeriod: row.billing_period,
  billableFeatures: row.billable_features,
  addons: row.addons,
  promotionCode: row.promotion_code,
  metadata: row.metadata,
});

export async function requireLive(db: DbOrTransaction, environmentId: string, subscriptionId: string): Promise<SubscriptionRow> {
  const row = await findSubscription(db, environmentId, subscriptionId);
  if (!row) throw ApplicationFailure.nonRetryable(`subscription "${subscriptionId}" was not found`, FailureType.SubscriptionNotFound);
  return row;
}

// A lifecycle change to write: the row's new values and the transition the history records (null: none, as for a
// new last invoice alone).
export type LifecycleChange = { changes: SubscriptionChanges; transition: SubscriptionTransition | null };

// Each lifecycle write: under the customer's lock (as starts and ends), the row re-read and changed, its history
// entry appended, entitlements recomputed when they may have moved, and told as subscription.updated. `apply`
// answers null when nothing is to change, so a retried activity writes nothing and appends nothing.
export async function changeSubscription(
  deps: ActivityDependencies,
  input: { environmentId: string; subscriptionId: string; entitlements: boolean; cause: TransitionCause },
  apply: (row: SubscriptionRow) => LifecycleChange | null,
): Promise<{ subscription: Subscription; state: LifecycleState; changed: boolean }> {
  const result = await commitChange(deps.db, {
    environmentId: input.environmentId,
    write: async (trx) => {
      const { customer_id: customerId } = await requireLive(trx, input.environmentId, input.subscriptionId);
      await lockCustomer(trx, input.environmentId, customerId);
      const current = await requireLive(trx, input.environmentId, input.subscriptionId);
      const change = current.live_slot === null ? null : apply(current);
      if (!change) return { row: current, changed: false };
      const row = (await updateSubscriptionRow(trx, input.environmentId, input.subscriptionId, change.changes))!;
      if (change.transition) await appendSubscriptionHistory(trx as Trx, { transition: change.transition, cause: input.cause, before: current, after: row });
      return { row, changed: true };
    },
    recompute: (result) => (result.changed && input.entitlements ? [entitlementsOf(result.row.customer_id)] : []),
    events: (result) => (result.changed ? [subscriptionChanged('subscription.updated', toSubscriptionView(result.row))] : []),
  });
  return { subscription: toSubscriptionView(result.row), state: lifecycleStateOf(result.row), changed: result.changed };
}

const sameTime = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

export function createSubscriptionLifecycleActivities(deps: ActivityDependencies) {
  const { db } = deps;
  const graceDays = deps.paymentGracePeriodDays ?? DEFAULT_PAYMENT_GRACE_DAYS;

  return {
    async readLifecycle(input: { environmentId: string; subscriptionId: string }): Promise<LifecycleState> {
      return lifecycleStateOf(await requireLive(db, input.environmentId, input.subscriptionId));
    },

    // An update checked against the catalog as a whole subscription would be (compatible add-ons, max quantities,
    // per-unit features), priced at the subscription's own plan version; empty `changes` is a no-op.
    async prepareSubscriptionUpdate(input: { environmentId: string; subscriptionId: string; update: SubscriptionUpdate }): Promise<PreparedUpdate> {
      const { environmentId, update } = input;
      const row = await requireLive(db, environmentId, input.subscriptionId);
      if (row.live_slot !== 'PAID' && row.live_slot !== 'TRIAL') {
        throw refused(`subscription "${row.id}" is ${row.status}: only a live subscription can be updated`, { status: 409, code: 'SUBSCRIPTION_NOT_UPDATABLE', field: 'subscriptionId' });
      }
      const before = updatableOf(row);
      const params = paramsAfterUpdate(before, update);
      const resolved = resolveSubscriptionRequest(params, await loadSubscriptionCatalog(db, environmentId));
      if ('problem' in resolved) throw refused(`${resolved.problem.field}: ${resolved.problem.message}`, resolved.problem);
      const { request } = resolved;
      const after: PreparedUpdate['after'] = {
        ...before,
        billingPeriod: request.billingPeriod,
        billableFeatures: request.billableFeatures,
        addons: request.addons.map(({ addon, quantity }) => ({ addonId: addon.id, quantity, version: row.addons.find((a) => a.addonId === addon.id)?.version ?? addon.version })),
        promotionCode: update.promotionCode === undefined ? before.promotionCode : update.promotionCode,
        metadata: update.metadata ?? before.metadata,
        prices: row.prices,
      };
      const changes = changedFields(before, after);
      if (row.pricing_type === 'PAID' && changesBilling(changes)) {
        // The plan stays on its own version (grandfathered); an add-on already held keeps its version too.
        const quantityOf = (featureId: string | null) => request.billableFeatures.find((b) => b.featureId === featureId)?.quantity ?? 1;
        const priced = [
          { packageId: row.plan_id, packageKind: 'PLAN' as const, version: row.plan_version, prices: await listVersionPrices(db, environmentId, row.plan_id, row.plan_version), quantityOf },
          ...(await Promise.all(
            after.addons.map(async ({ addonId, version }) => ({
              packageId: addonId,
              packageKind: 'ADDON' as const,
              version,
              prices: await listVersionPrices(db, environmentId, addonId, version),
              quantityOf: () => after.addons.find((a) => a.addonId === addonId)!.quantity,
            })),
          )),
        ];
        const choice = choosePrices(priced, request.billingPeriod!, row.billing_country_code);
        if ('problem' in choice) throw refused(`billingPeriod: ${choice.problem}`, { status: 400, code: 'INVALID_INPUT', field: 'billingPeriod' });
        after.prices = choice.prices;
      }
      const billed = row.billing_id !== null && changesBilling(changes);
      const unsynced = billed ? after.prices.find((price) => price.billingId === null) : undefined;
      if (unsynced) throw ApplicationFailure.retryable(`price of "${unsynced.packageId}" is not in the billing provider yet (the catalog sync adds it)`, 'PriceNotSynced');
      const customer = billed ? await findCustomer(db, environmentId, row.customer_id) : undefined;
      return {
        changes,
        after,
        billing: billed
          ? {
              billingId: row.billing_id!,
              customerBillingId: customer?.billing_id ?? null,
              items: after.prices.map((price) => ({ priceBillingId: price.billingId!, quantity: price.quantity })),
              resetBillingCycle: 'billingPeriod' in changes,
              // An estimate's prorationDate, so the change charges exactly what was estimated.
              ...(update.prorationDate !== undefined && { prorationDate: update.prorationDate }),
            }
          : null,
      };
    },

    // The update as decided (and, with a provider, as the provider took it), with its entitlements.
    async recordSubscriptionUpdate(input: { environmentId: string; subscriptionId: string; prepared: PreparedUpdate; billing: BillingSubscriptionSnapshot | null; now: string; cause: TransitionCause }) {
      const { after, changes: asked } = input.prepared;
      return changeSubscription(deps, { ...input, entitlements: true }, (row) => {
        if (Object.keys(changedFields(updatableOf(row), after)).length === 0) return null;
        const newCycle = 'billingPeriod' in asked;
        const start = input.billing?.currentPeriodStart ? new Date(input.billing.currentPeriodStart) : new Date(input.now);
        const ownPeriod = row.billing_id === null && newCycle && after.billingPeriod !== null;
        const changes: SubscriptionChanges = {
          billing_period: after.billingPeriod,
          billable_features: JSON.stringify(after.billableFeatures),
          addons: JSON.stringify(after.addons),
          prices: JSON.stringify(after.prices),
          promotion_code: after.promotionCode,
          metadata: JSON.stringify(after.metadata),
          ...(input.billing && {
            current_billing_period_start: start,
            current_billing_period_end: input.billing.currentPeriodEnd ? new Date(input.billing.currentPeriodEnd) : row.current_billing_period_end,
          }),
          ...(newCycle && { billing_cycle_anchor: start }),
          ...(ownPeriod && { current_billing_period_start: start, current_billing_period_end: billingPeriodNumber(start, after.billingPeriod!, 0).end }),
        };
        return { changes, transition: 'UPDATED' };
      });
    },

    // A cancellation to come (or, with at = null, undone): Tollgate's own timer ends it at that date.
    async recordScheduledCancellation(input: { environmentId: string; subscriptionId: string; at: string | null; cause: TransitionCause }) {
      const at = input.at ? new Date(input.at) : null;
      return changeSubscription(deps, { ...input, entitlements: false }, (row) =>
        sameTime(row.cancellation_date, at) ? null : { changes: { cancellation_date: at }, transition: at ? 'CANCELLATION_SCHEDULED' : 'CANCELLATION_UNDONE' },
      );
    },

    // Without a provider the workflow's clock renews: the next period of the cycle, if this one is still current.
    async renewSubscriptionPeriod(input: { environmentId: string; subscriptionId: string; periodEnd: string }) {
      return changeSubscription(deps, { ...input, entitlements: false, cause: { kind: 'TIMER', detail: 'billing period end' } }, (row) => {
        if (row.current_billing_period_end?.toISOString() !== input.periodEnd || row.billing_period === null) return null;
        const anchor = row.billing_cycle_anchor ?? row.start_date;
        const next = nextBillingPeriod(anchor, row.billing_period, row.current_billing_period_end);
        return { changes: { current_billing_period_start: next.start, current_billing_period_end: next.end }, transition: 'RENEWED' };
      });
    },

    // Where the provider says the subscription stands, after a webhook or a poll: status, period, a cancellation
    // scheduled in its dashboard, quantities changed there, the last invoice, and a failed payment's grace period.
    async applyProviderState(input: {
      environmentId: string;
      subscriptionId: string;
      state: BillingSubscriptionSnapshot;
      eventType: string | null;
      invoice: ProviderInvoice | null;
      now: string;
      cause: TransitionCause;
    }) {
      const { state, eventType } = input;
      const now = new Date(input.now);
      return changeSubscription(deps, { ...input, entitlements: true }, (row) => {
        const changes: SubscriptionChanges = {};
        let transition: SubscriptionTransition | null = null;
        const failed = eventType === 'invoice.payment_failed' || ((state.status === 'past_due' || state.status === 'unpaid') && row.status !== 'PAYMENT_PENDING');
        const paid = eventType === 'invoice.paid' || state.status === 'active' || state.status === 'trialing';
        if (failed && row.status !== 'PAYMENT_PENDING') {
          Object.assign(changes, { status: 'PAYMENT_PENDING', payment_failed_at: now, grace_period_end: new Date(now.getTime() + graceDays * DAY_MS) });
          transition = 'PAYMENT_FAILED';
        } else if (!failed && paid && row.status === 'PAYMENT_PENDING') {
          Object.assign(changes, { status: state.status === 'trialing' ? 'IN_TRIAL' : 'ACTIVE', payment_failed_at: null, grace_period_end: null });
          transition = 'PAYMENT_RECOVERED';
        }
        const periodStart = state.currentPeriodStart ? new Date(state.currentPeriodStart) : null;
        const periodEnd = state.currentPeriodEnd ? new Date(state.currentPeriodEnd) : null;
        if (periodEnd && !sameTime(row.current_billing_period_end, periodEnd)) {
          Object.assign(changes, { current_billing_period_start: periodStart, current_billing_period_end: periodEnd });
          transition ??= 'RENEWED';
        }
        const trialEnd = state.status === 'trialing' && state.trialEnd ? new Date(state.trialEnd) : null;
        if (trialEnd && row.status === 'IN_TRIAL' && !sameTime(row.trial_end_date, trialEnd)) {
          changes.trial_end_date = trialEnd;
          transition ??= 'UPDATED';
        }
        const cancelAt = state.cancelAt ? new Date(state.cancelAt) : null;
        if (!sameTime(row.cancellation_date, cancelAt)) {
          changes.cancellation_date = cancelAt;
          transition ??= cancelAt ? 'CANCELLATION_SCHEDULED' : 'CANCELLATION_UNDONE';
        }
        const quantities = quantitiesFromProvider(row, state.items);
        if (quantities) {
          Object.assign(changes, quantities);
          transition ??= 'UPDATED';
        }
        if (input.invoice && (row.last_invoice?.id !== input.invoice.id || row.last_invoice?.status !== input.invoice.status)) changes.last_invoice = JSON.stringify(input.invoice);
        return Object.keys(changes).length > 0 ? { changes, transition } : null;
      });
    },

    // The fallback plan to put the customer on when this subscription ended, if the product has one and nothing
    // else is live (or about to be) on that product and resource.
    async fallbackAfterEnd(input: { environmentId: string; subscriptionId: string }): Promise<{ customerId: string; planId: string; resourceId: string | null } | null> {
      const row = await requireLive(db, input.environmentId, input.subscriptionId);
      if (row.live_slot !== null || row.end_reason === 'REPLACED' || row.end_reason === 'TRIAL_CONVERTED') return null;
      const planId = await findFallbackPlanId(db, input.environmentId, row.product_id);
      if (!planId || planId === row.plan_id) return null;
      const customer = await findCustomer(db, input.environmentId, row.customer_id);
      if (!customer || customer.archived_at) return null;
      const live = await listLiveInScope(db, { environmentId: input.environmentId, customerId: row.customer_id, productId: row.product_id, resourceId: row.resource_id });
      return live.length === 0 ? { customerId: row.customer_id, planId, resourceId: row.resource_id } : null;
    },
  };
}

// Quantities changed at the provider (its dashboard): each item's price names the plan feature or add-on it bills.
function quantitiesFromProvider(row: SubscriptionRow, items: { priceBillingId: string; quantity: number }[]): SubscriptionChanges | null {
  if (items.length === 0) return null;
  let changed = false;
  const prices = row.prices.map((price) => {
    const item = items.find((entry) => entry.priceBillingId === price.billingId);
    if (!item || item.quantity === price.quantity) return price;
    changed = true;
    return { ...price, quantity: item.quantity };
  });
  if (!changed) return null;
  const billableFeatures = row.billable_features.map((b) => ({ ...b, quantity: prices.find((p) => p.packageKind === 'PLAN' && p.featureId === b.featureId)?.quantity ?? b.quantity }));
  const addons = row.addons.map((a) => ({ ...a, quantity: prices.find((p) => p.packageKind === 'ADDON' && p.packageId === a.addonId)?.quantity ?? a.quantity }));
  return { prices: JSON.stringify(prices), billable_features: JSON.stringify(billableFeatures), addons: JSON.stringify(addons) };
}
