import { ApplicationFailure } from '@temporalio/common';
import type { BillingCheckoutInput, BillingSubscriptionInput, BillingSubscriptionState } from '../billing/billingProvider';
import { commitChange } from '../db/commitChange';
import { findCustomer } from '../db/repositories/customers.repository';
import { findSubscription } from '../db/repositories/subscriptions.repository';
import { customerChanged } from '../domain/changeEvent';
import { toCustomerView } from '../domain/customers/toCustomerView';
import { FailureType } from '../workflows/failureTypes';
import type { ActivityDependencies } from './activityDependencies';
import { callBilling } from './billingFailure';

// Stripe limits a checkout session to between 30 minutes and 24 hours.
export const CHECKOUT_EXPIRY_LIMITS_MINUTES = { min: 30, max: 24 * 60 };

export type BillingExtrasRequest = { promotionCode: string | null; taxRateIds: string[]; taxPercentage: number | null };

// The provider calls of a subscription's life, each idempotent on the key its workflow gives. The other single
// calls of createBillingCalls are only steps of openCheckout and subscribeAtProvider, not activities of their own.
export function createSubscriptionBillingActivities(deps: ActivityDependencies) {
  const calls = createBillingCalls(deps);
  return {
    getBillingSubscription: calls.getBillingSubscription,
    cancelBillingSubscription: calls.cancelBillingSubscription,
    expireCheckoutSession: calls.expireCheckoutSession,
    getCheckoutSession: calls.getCheckoutSession,

    // A hosted checkout in one activity (the provider's customer, the discount and tax rates, the session): one
    // workflow task instead of three before the caller gets its checkout URL. Each call keeps a key of its own,
    // so a retried activity repeats none of them.
    async openCheckout(input: {
      environmentId: string;
      customerId: string;
      idempotencyKey: string;
      extras: BillingExtrasRequest;
      checkout: Omit<Parameters<typeof calls.createCheckoutSession>[0], 'idempotencyKey' | 'customerBillingId' | 'taxRateIds' | 'promotionCodeId'>;
    }) {
      const customerBillingId = await calls.ensureBillingCustomer({ environmentId: input.environmentId, customerId: input.customerId, idempotencyKey: `${input.idempotencyKey}:customer` });
      const extras = await calls.resolveBillingExtras({ customerBillingId, ...input.extras, idempotencyKey: `${input.idempotencyKey}:tax-rate` });
      return calls.createCheckoutSession({ ...input.checkout, idempotencyKey: `${input.idempotencyKey}:session`, customerBillingId, ...extras });
    },

    // At a trial's end without a provider subscription (the customer had no card at signup): subscribe now if a
    // payment method is on file, billed from now with the trial's prices; null when there is none (the trial ends).
    async subscribeTrialAtProvider(input: { environmentId: string; subscriptionId: string; idempotencyKey: string; metadata: Record<string, string> }) {
      const row = await findSubscription(deps.db, input.environmentId, input.subscriptionId);
      if (!row || row.live_slot !== 'TRIAL') return null;
      const customer = await findCustomer(deps.db, input.environmentId, row.customer_id);
      if (!customer?.billing_id || !(await callBilling(() => deps.billing.hasPaymentMethod(customer.billing_id!)))) return null;
      const extras = await calls.resolveBillingExtras({ customerBillingId: customer.billing_id, promotionCode: row.promotion_code, taxRateIds: [], taxPercentage: null, idempotencyKey: `${input.idempotencyKey}:tax-rate` });
      return calls.createBillingSubscription({
        idempotencyKey: input.idempotencyKey,
        customerBillingId: customer.billing_id,
        items: row.prices.map((price) => ({ priceBillingId: price.billingId!, quantity: price.quantity })),
        ...extras,
        trialEnd: null,
        backdateStart: null,
        metadata: input.metadata,
      });
    },

    // Scheduling or undoing a cancellation at the provider (Stripe's cancel_at).
    async scheduleBillingCancellation(input: { idempotencyKey: string; billingId: string; at: string | null; prorate: boolean }) {
      return serialise(await callBilling(() => deps.billing.scheduleCancellation({ ...input, at: input.at ? new Date(input.at) : null })));
    },

    // A quantity, add-on, promotion or billing-period change at the provider, prorated and invoiced at once.
    async updateBillingSubscription(input: { idempotencyKey: string; billingId: string; customerBillingId: string | null; items: { priceBillingId: string; quantity: number }[]; resetBillingCycle: boolean; promotionCode?: string | null; prorationDate?: string }) {
      let promotionCodeId: string | null | undefined;
      if (input.promotionCode !== undefined) {
        promotionCodeId = input.promotionCode === null ? null : (await calls.resolveBillingExtras({ customerBillingId: input.customerBillingId, promotionCode: input.promotionCode, taxRateIds: [], taxPercentage: null, idempotencyKey: `${input.idempotencyKey}:tax-rate` })).promotionCodeId;
      }
      const state = await callBilling(() =>
        deps.billing.updateSubscription({ idempotencyKey: input.idempotencyKey, billingId: input.billingId, items: input.items, prorate: true, resetBillingCycle: input.resetBillingCycle, promotionCodeId, ...(input.prorationDate && { prorationDate: new Date(input.prorationDate) }) }),
      );
      return serialise(state);
    },

    // The provider's subscription with its discount and tax rates, in one activity.
    async subscribeAtProvider(input: Omit<Parameters<typeof calls.createBillingSubscription>[0], 'taxRateIds' | 'promotionCodeId'> & { extras: BillingExtrasRequest }) {
      const { extras: request, ...subscription } = input;
      const extras = await calls.resolveBillingExtras({ customerBillingId: input.customerBillingId, ...request, idempotencyKey: `${input.idempotencyKey}:tax-rate` });
      return calls.createBillingSubscription({ ...subscription, ...extras });
    },
  };
}

function createBillingCalls({ db, billing, checkoutExpiryMinutes = CHECKOUT_EXPIRY_LIMITS_MINUTES.max }: ActivityDependencies) {
  return {
    // The customer's account at the provider, created on first need (a checkout needs one to attach the card to).
    async ensureBillingCustomer(input: { environmentId: string; customerId: string; idempotencyKey: string }): Promise<string> {
      const customer = await findCustomer(db, input.environmentId, input.customerId);
      if (!customer) throw ApplicationFailure.nonRetryable(`customer "${input.customerId}" was not found`, FailureType.CustomerNotFound);
      if (customer.billing_id) return customer.billing_id;
      const created = await callBilling(() =>
        billing.createCustomer({ idempotencyKey: input.idempotencyKey, environmentId: input.environmentId, customerId: input.customerId, name: customer.name, email: customer.email }),
      );
      if (!created) throw ApplicationFailure.nonRetryable('the billing provider keeps no customers', FailureType.BillingRejected);
      return commitChange(db, {
        environmentId: input.environmentId,
        write: async (trx) => {
          const row = await trx
            .updateTable('customers')
            .set({ billing_id: created.billingId })
            .where('environment_id', '=', input.environmentId)
            .where('id', '=', input.customerId)
            .where('billing_id', 'is', null)
            .returningAll()
            .executeTakeFirst();
          // Linked meanwhile by another run: keep that link (this run's key made the same provider customer).
          return row ?? (await findCustomer(trx, input.environmentId, input.customerId))!;
        },
        recompute: () => [],
        events: (row) => (row.billing_id === created.billingId ? [customerChanged('customer.updated', toCustomerView(row))] : []),
      }).then((row) => row.billing_id!);
    },

    // The promotion code's provider id (422 when the provider has none this customer may use), and the tax rates:
    // the ids given, checked, plus the rate of `taxPercentage`, reused or created.
    async resolveBillingExtras(input: {
      customerBillingId: string | null;
      promotionCode: string | null;
      taxRateIds: string[];
      taxPercentage: number | null;
      idempotencyKey: string;
    }): Promise<{ promotionCodeId: string | null; taxRateIds: string[] }> {
      let promotionCodeId: string | null = null;
      if (input.promotionCode) {
        const found = await callBilling(() => billing.findPromotionCode({ code: input.promotionCode!, customerBillingId: input.customerBillingId }));
        if (!found) throw ApplicationFailure.nonRetryable(`promotion code "${input.promotionCode}" does not exist, has expired, is used up or is not for this customer`, FailureType.PromotionCodeNotApplicable);
        promotionCodeId = found.promotionCodeId;
      }
      for (const id of input.taxRateIds) await callBilling(() => billing.checkTaxRate(id));
      const taxRateIds = [...input.taxRateIds];
      if (input.taxPercentage !== null) {
        const rate = await callBilling(() => billing.findOrCreateTaxRate({ idempotencyKey: input.idempotencyKey, percentage: input.taxPercentage! }));
        if (!taxRateIds.includes(rate.billingId)) taxRateIds.push(rate.billingId);
      }
      return { promotionCodeId, taxRateIds };
    },

    async createBillingSubscription(input: Omit<BillingSubscriptionInput, 'trialEnd' | 'backdateStart'> & { trialEnd: string | null; backdateStart: string | null }) {
      const state = await callBilling(() =>
        billing.createSubscription({ ...input, trialEnd: input.trialEnd ? new Date(input.trialEnd) : null, backdateStart: input.backdateStart ? new Date(input.backdateStart) : null }),
      );
      return serialise(state);
    },

    async getBillingSubscription(billingId: string) {
      return serialise(await callBilling(() => billing.getSubscription(billingId)));
    },

    async cancelBillingSubscription(input: { idempotencyKey: string; billingId: string; prorate?: boolean }): Promise<void> {
      await callBilling(() => billing.cancelSubscription(input));
    },

    async createCheckoutSession(input: Omit<BillingCheckoutInput, 'expiresAt' | 'trialEnd'> & { trialEnd: string | null }) {
      const expiresAt = new Date(Date.now() + checkoutExpiryMinutes * 60_000);
      const session = await callBilling(() => billing.createCheckout({ ...input, trialEnd: input.trialEnd ? new Date(input.trialEnd) : null, expiresAt }));
      return { sessionId: session.sessionId, url: session.url, expiresAt: session.expiresAt.toISOString() };
    },

    async expireCheckoutSession(input: { idempotencyKey: string; sessionId: string }) {
      return callBilling(() => billing.expireCheckout(input));
    },

    async getCheckoutSession(sessionId: string) {
      return callBilling(() => billing.getCheckout(sessionId));
    },
  };
}

export const serialise = (state: BillingSubscriptionState) => ({
  billingId: state.billingId,
  status: state.status,
  currentPeriodStart: state.currentPeriodStart?.toISOString() ?? null,
  currentPeriodEnd: state.currentPeriodEnd?.toISOString() ?? null,
  trialEnd: state.trialEnd?.toISOString() ?? null,
  cancelAt: state.cancelAt?.toISOString() ?? null,
  items: state.items,
});
export type BillingSubscriptionSnapshot = ReturnType<typeof serialise>;
