import { ApplicationFailure } from '@temporalio/common';
import { loadSubscriptionCatalog } from '../db/repositories/catalogRead.repository';
import { findCustomer } from '../db/repositories/customers.repository';
import { isTrialUsed, listLiveInScope, listVersionPrices } from '../db/repositories/subscriptions.repository';
import type { ChosenPrice } from '../domain/subscriptions/chosenPrice';
import { choosePrices } from '../domain/subscriptions/choosePrices';
import { decideProvisioning, type ProvisioningDecision } from '../domain/subscriptions/provisioningDecision';
import { resolveSubscriptionRequest } from '../domain/subscriptions/subscriptionRequest';
import { toSubscriptionParams, type SubscriptionRequest } from '../domain/subscriptions/subscriptionRequest.types';
import { FailureType } from '../workflows/failureTypes';
import type { ActivityDependencies } from './activityDependencies';
import { callBilling } from './billingFailure';

// Dates as ISO text: this travels through workflow history as JSON.
export type PreparedDecision = Omit<ProvisioningDecision, 'startDate' | 'trialEndDate'> & { startDate: string; trialEndDate: string | null };

export type PreparedSubscription = {
  productId: string;
  resourceId: string | null;
  planId: string;
  planVersion: number;
  pricingType: 'FREE' | 'PAID' | 'CUSTOM';
  billingPeriod: 'MONTHLY' | 'ANNUALLY' | null;
  billingCountryCode: string | null;
  currency: string | null;
  prices: ChosenPrice[];
  billableFeatures: { featureId: string; quantity: number }[];
  addons: { addonId: string; quantity: number; version: number }[];
  decision: PreparedDecision;
  customerBillingId: string | null;
};

export const refused = (message: string, detail: { status: number; code: string; field?: string; subscriptionId?: string }) =>
  ApplicationFailure.create({ message, type: FailureType.SubscriptionRequestRefused, nonRetryable: true, details: [detail] });

export function createSubscriptionPreparationActivities({ db, billing }: ActivityDependencies) {
  return {
    // Everything a provision decides before it touches the provider: the request checked against the catalog, the
    // prices, and the seed's rules applied to what is live now. Decided again when the subscription is recorded.
    async prepareSubscription(input: { environmentId: string; customerId: string; request: SubscriptionRequest; now: string }): Promise<PreparedSubscription> {
      const { environmentId, customerId } = input;
      const customer = await findCustomer(db, environmentId, customerId);
      if (!customer) throw ApplicationFailure.nonRetryable(`customer "${customerId}" was not found`, FailureType.CustomerNotFound);
      if (customer.archived_at) throw ApplicationFailure.nonRetryable(`customer "${customerId}" is archived`, FailureType.CustomerArchived);

      const params = toSubscriptionParams(input.request);
      const resolved = resolveSubscriptionRequest(params, await loadSubscriptionCatalog(db, environmentId));
      if ('problem' in resolved) throw refused(`${resolved.problem.field}: ${resolved.problem.message}`, resolved.problem);
      const { request } = resolved;

      let prices: ChosenPrice[] = [];
      let currency: string | null = null;
      if (request.plan.pricingType === 'PAID') {
        const quantityOfFeature = (featureId: string | null) => request.billableFeatures.find((b) => b.featureId === featureId)?.quantity ?? 1;
        const priced = [
          { packageId: request.plan.id, packageKind: 'PLAN' as const, version: request.plan.version, prices: await listVersionPrices(db, environmentId, request.plan.id, request.plan.version), quantityOf: quantityOfFeature },
          ...(await Promise.all(
            request.addons.map(async ({ addon, quantity }) => ({
              packageId: addon.id,
              packageKind: 'ADDON' as const,
              version: addon.version,
              prices: await listVersionPrices(db, environmentId, addon.id, addon.version),
              quantityOf: () => quantity,
            })),
          )),
        ];
        const choice = choosePrices(priced, request.billingPeriod!, params.billingCountryCode ?? null);
        if ('problem' in choice) throw refused(`billingCountryCode: ${choice.problem}`, { status: 400, code: 'INVALID_INPUT', field: 'billingCountryCode' });
        prices = choice.prices;
        currency = choice.currency;
      }

      const scope = { environmentId, customerId, productId: request.productId, resourceId: request.resourceId };
      const [live, trialUsed] = await Promise.all([listLiveInScope(db, scope), isTrialUsed(db, scope)]);
      const billed = billing.name !== 'none' && request.plan.pricingType === 'PAID';
      const hasPaymentMethod = billed && customer.billing_id !== null ? await callBilling(() => billing.hasPaymentMethod(customer.billing_id!)) : false;
      const decided = decideProvisioning({
        plan: request.plan,
        skipTrial: params.skipTrial ?? false,
        requestedStart: params.startDate ?? null,
        now: new Date(input.now),
        live,
        trialUsed,
        billing: billing.name === 'none' ? 'none' : 'provider',
        hasPaymentMethod,
      });
      if ('refused' in decided) throw refused(decided.refused.message, { ...decided.refused, field: decided.refused.code === 'PAYMENT_METHOD_REQUIRED' ? 'startDate' : 'planId' });
      const { decision } = decided;
      if (decision.payment === 'CHECKOUT' && !params.checkoutOptions) {
        throw refused('checkoutOptions: this plan needs a payment method, which the customer gives at a hosted checkout: checkoutOptions.successUrl and cancelUrl are required', { status: 400, code: 'INVALID_INPUT', field: 'checkoutOptions' });
      }
      // The catalog sync creates the provider's prices right after a publish; a provision that needs them waits for it.
      const unsynced = decision.payment !== 'NONE' ? prices.find((price) => price.billingId === null) : undefined;
      if (unsynced) throw ApplicationFailure.retryable(`price of "${unsynced.packageId}" is not in the billing provider yet (the catalog sync adds it)`, 'PriceNotSynced');

      return {
        productId: request.productId,
        resourceId: request.resourceId,
        planId: request.plan.id,
        planVersion: request.plan.version,
        pricingType: request.plan.pricingType,
        billingPeriod: request.billingPeriod,
        billingCountryCode: params.billingCountryCode ?? null,
        currency,
        prices,
        billableFeatures: request.billableFeatures,
        addons: request.addons.map(({ addon, quantity }) => ({ addonId: addon.id, quantity, version: addon.version })),
        decision: { ...decision, startDate: decision.startDate.toISOString(), trialEndDate: decision.trialEndDate?.toISOString() ?? null },
        customerBillingId: customer.billing_id,
      };
    },
  };
}
