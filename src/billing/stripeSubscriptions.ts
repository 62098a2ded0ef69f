import Stripe from 'stripe';
import { BillingProviderError, type BillingCheckoutInput, type BillingItem, type BillingSubscriptionChange, type BillingProvider, type BillingSubscriptionInput, type BillingSubscriptionState, type CheckoutState } from './billingProvider';
import { call, toBillingProviderError } from './stripeCall';

type SubscriptionCalls = Pick<
  BillingProvider,
  | 'hasPaymentMethod'
  | 'findOrCreateTaxRate'
  | 'checkTaxRate'
  | 'findPromotionCode'
  | 'createSubscription'
  | 'getSubscription'
  | 'cancelSubscription'
  | 'updateSubscription'
  | 'scheduleCancellation'
  | 'createCheckout'
  | 'getCheckout'
  | 'expireCheckout'
>;

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const fromSeconds = (value: number | null | undefined) => (value === null || value === undefined ? null : new Date(value * 1000));
const idOf = (value: string | { id: string } | null | undefined) => (value === null || value === undefined ? null : typeof value === 'string' ? value : value.id);

function toState(subscription: Stripe.Subscription): BillingSubscriptionState {
  // Since API 2025-03-31 the billing period lives on each item; all items of one subscription share it.
  const item = subscription.items.data[0];
  return {
    billingId: subscription.id,
    status: subscription.status,
    currentPeriodStart: fromSeconds(item?.current_period_start),
    currentPeriodEnd: fromSeconds(item?.current_period_end),
    trialEnd: fromSeconds(subscription.trial_end),
    cancelAt: fromSeconds(subscription.cancel_at) ?? (subscription.cancel_at_period_end ? fromSeconds(item?.current_period_end) : null),
    items: subscription.items.data.map((entry) => ({ priceBillingId: entry.price.id, quantity: entry.quantity ?? 1 })),
  };
}

function alreadyApplied(current: Stripe.Subscription, change: BillingSubscriptionChange): boolean {
  const has = new Map(current.items.data.map((item) => [item.price.id, item.quantity ?? 1]));
  const sameItems = has.size === change.items.length && change.items.every((item) => has.get(item.priceBillingId) === item.quantity);
  if (!sameItems) return false;
  if (change.promotionCodeId === undefined) return true;
  const promotionCodes = (current.discounts ?? []).map((discount) => (typeof discount === 'string' ? null : idOf(discount.promotion_code as string | { id: string } | null)));
  return change.promotionCodeId === null ? promotionCodes.length === 0 : promotionCodes.includes(change.promotionCodeId);
}

// Stripe's item list for a change: existing items keep their id (quantity set), others are deleted, new prices added.
function itemChanges(current: Stripe.Subscription, wanted: BillingItem[]): Stripe.SubscriptionUpdateParams.Item[] {
  const changes: Stripe.SubscriptionUpdateParams.Item[] = current.items.data.map((item) => {
    const kept = wanted.find((entry) => entry.priceBillingId === item.price.id);
    return kept ? { id: item.id, quantity: kept.quantity } : { id: item.id, deleted: true };
  });
  for (const entry of wanted) {
    if (!current.items.data.some((item) => item.price.id === entry.priceBillingId)) changes.push({ price: entry.priceBillingId, quantity: entry.quantity });
  }
  return changes;
}

function toCheckoutState(session: Stripe.Checkout.Session): CheckoutState {
  const status: CheckoutState['status'] = session.status === 'complete' ? 'complete' : session.status === 'expired' ? 'expired' : 'open';
  return { status, subscriptionBillingId: idOf(session.subscription) };
}

const discountsOf = (input: { promotionCodeId: string | null }) => (input.promotionCodeId ? [{ promotion_code: input.promotionCodeId }] : undefined);

// The subscription side of the Stripe adapter: every write carries the caller's idempotency key.
export function createStripeSubscriptionCalls(stripe: Stripe): SubscriptionCalls {
  return {
    async hasPaymentMethod(customerBillingId) {
      const customer = await call(() => stripe.customers.retrieve(customerBillingId));
      if (customer.deleted) return false;
      return Boolean(customer.invoice_settings?.default_payment_method ?? customer.default_source);
    },

    async findOrCreateTaxRate({ idempotencyKey, percentage }) {
      const rates = await call(() => stripe.taxRates.list({ active: true, inclusive: false, limit: 100 }));
      const existing = rates.data.find((rate) => rate.percentage === percentage);
      if (existing) return { billingId: existing.id };
      const created = await call(() =>
        stripe.taxRates.create(
          { display_name: 'Tax', percentage, inclusive: false, metadata: { tollgate_percentage: String(percentage) } },
          { idempotencyKey },
        ),
      );
      return { billingId: created.id };
    },

    async checkTaxRate(billingId) {
      const rate = await call(() => stripe.taxRates.retrieve(billingId));
      if (!rate.active) throw new BillingProviderError(`Stripe: tax rate ${billingId} is not active`, false, 'tax_rate_inactive', 'taxRateIds');
    },

    async findPromotionCode({ code, customerBillingId }) {
      const found = await call(() => stripe.promotionCodes.list({ code, active: true, limit: 10 }));
      const usable = found.data.find((promotion) => {
        const owner = idOf(promotion.customer);
        const expired = promotion.expires_at !== null && promotion.expires_at * 1000 <= Date.now();
        const usedUp = promotion.max_redemptions !== null && promotion.times_redeemed >= promotion.max_redemptions;
        return (owner === null || owner === customerBillingId) && !expired && !usedUp;
      });
      return usable ? { promotionCodeId: usable.id } : null;
    },

    async createSubscription(input: BillingSubscriptionInput) {
      const subscription = await call(() =>
        stripe.subscriptions.create(
          {
            customer: input.customerBillingId,
            items: input.items.map((item) => ({ price: item.priceBillingId, quantity: item.quantity })),
            default_tax_rates: input.taxRateIds.length > 0 ? input.taxRateIds : undefined,
            discounts: discountsOf(input),
            trial_end: input.trialEnd ? seconds(input.trialEnd) : undefined,
            backdate_start_date: input.backdateStart ? seconds(input.backdateStart) : undefined,
            metadata: input.metadata,
            // A declined first payment is refused outright: nothing is created, the caller is told.
            payment_behavior: 'error_if_incomplete',
          },
          { idempotencyKey: input.idempotencyKey },
        ),
      );
      return toState(subscription);
    },

    async getSubscription(billingId) {
      return toState(await call(() => stripe.subscriptions.retrieve(billingId)));
    },

    async cancelSubscription({ idempotencyKey, billingId, prorate }) {
      const current = await call(() => stripe.subscriptions.retrieve(billingId));
      if (current.status === 'canceled' || current.status === 'incomplete_expired') return;
      await call(() => stripe.subscriptions.cancel(billingId, prorate ? { prorate: true, invoice_now: true } : {}, { idempotencyKey }));
    },

    async updateSubscription(input: BillingSubscriptionChange) {
      const current = await call(() => stripe.subscriptions.retrieve(input.billingId));
      // A retry after the first attempt was applied (its answer lost) finds the change made: the item list it would
      // send now differs from the first, which Stripe refuses under the same key, so there is nothing to send.
      if (alreadyApplied(current, input)) return toState(current);
      const updated = await call(() =>
        stripe.subscriptions.update(
          input.billingId,
          {
            items: itemChanges(current, input.items),
            // A billing-period change swaps to prices of another interval, which starts a new cycle at Stripe by itself.
            proration_behavior: input.prorate ? 'always_invoice' : 'none',
            ...(input.prorate && input.prorationDate && { proration_date: seconds(input.prorationDate) }),
            ...(input.promotionCodeId !== undefined && { discounts: input.promotionCodeId ? [{ promotion_code: input.promotionCodeId }] : '' }),
            ...(input.metadata && { metadata: input.metadata }),
            // Stripe's default (allow_incomplete): a declined proration charge leaves the invoice open and the
            // subscription past_due, which reaches Tollgate as invoice.payment_failed (PAYMENT_PENDING, grace period).
          },
          { idempotencyKey: input.idempotencyKey },
        ),
      );
      return toState(updated);
    },

    async scheduleCancellation({ idempotencyKey, billingId, at, prorate }) {
      const params: Stripe.SubscriptionUpdateParams = at
        ? { cancel_at: seconds(at), proration_behavior: prorate ? 'create_prorations' : 'none' }
        : { cancel_at: '', cancel_at_period_end: false };
      return toState(await call(() => stripe.subscriptions.update(billingId, params, { idempotencyKey })));
    },

    async createCheckout(input: BillingCheckoutInput) {
      const session = await call(() =>
        stripe.checkout.sessions.create(
          {
            mode: 'subscription',
            customer: input.customerBillingId,
            line_items: input.items.map((item) => ({ price: item.priceBillingId, quantity: item.quantity })),
            success_url: input.successUrl,
            cancel_url: input.cancelUrl,
            // Stripe takes either a preset discount or the customer's own code field, not both.
            ...(input.promotionCodeId ? { discounts: discountsOf(input) } : input.allowPromotionCodes ? { allow_promotion_codes: true } : {}),
            ...(input.collectBillingAddress && { billing_address_collection: 'required' as const }),
            ...(input.collectTaxIds && { tax_id_collection: { enabled: true } }),
            // Checkout may only collect a tax id for an existing customer if it may also write back the business name and address.
            ...(input.collectTaxIds
              ? { customer_update: { name: 'auto' as const, address: 'auto' as const } }
              : input.collectBillingAddress && { customer_update: { address: 'auto' as const } }),
            ...(input.collectPhoneNumber && { phone_number_collection: { enabled: true } }),
            ...(input.referenceId && { client_reference_id: input.referenceId }),
            subscription_data: {
              metadata: input.metadata,
              ...(input.taxRateIds.length > 0 && { default_tax_rates: input.taxRateIds }),
              ...(input.trialEnd && { trial_end: seconds(input.trialEnd) }),
            },
            metadata: input.metadata,
            expires_at: seconds(input.expiresAt),
          },
          { idempotencyKey: input.idempotencyKey },
        ),
      );
      return { sessionId: session.id, url: session.url ?? '', expiresAt: new Date(session.expires_at * 1000) };
    },

    async getCheckout(sessionId) {
      return toCheckoutState(await call(() => stripe.checkout.sessions.retrieve(sessionId)));
    },

    async expireCheckout({ idempotencyKey, sessionId }) {
      const session = await call(() => stripe.checkout.sessions.retrieve(sessionId));
      if (session.status !== 'open') return toCheckoutState(session);
      try {
        return toCheckoutState(await stripe.checkout.sessions.expire(sessionId, {}, { idempotencyKey }));
      } catch (error) {
        // Completed (or expired) between the read and the expire: where it stands now is the answer.
        if (error instanceof Stripe.errors.StripeInvalidRequestError) return toCheckoutState(await call(() => stripe.checkout.sessions.retrieve(sessionId)));
        throw toBillingProviderError(error);
      }
    },
  };
}
