import { findCustomer } from '../../db/repositories/customers.repository';
import { findSubscription } from '../../db/repositories/subscriptions.repository';
import { billingPeriodRange } from '../../domain/pricing/billingPeriod';
import { packagesOfPrices } from '../../domain/pricing/estimatePackages';
import { changeEstimateView, type EstimateView } from '../../domain/pricing/estimateView';
import { prorateChange } from '../../domain/pricing/prorateChange';
import type { EstimateSubscriptionUpdateInput } from '../../domain/subscriptions/estimateInput';
import type { ResolvedSubscriptionRequest } from '../../domain/subscriptions/subscriptionRequest';
import { EstimateRefusal } from './estimateRefusal';
import { askProvider, choosePackages, findPromotionCodeId, pricingRefused, promotionNeedsProvider, wholeSecond, type EstimateDependencies } from './estimateSupport';
import { previewFigures, previewProration, previewTotals } from './providerEstimateView';

/**
 * estimateSubscriptionUpdate: what the same update would invoice now, priced as the update prices it (the plan at the
 * subscription's own version, an add-on already held at its version, a new one at its latest): the prorations at
 * `prorationDate` (this second), and the subscription's un-prorated totals after it. From the provider's invoice preview
 * when the subscription is billed there (proration_behavior always_invoice, as the update), else from the engine.
 * Passing the answer's prorationDate to the update charges exactly the estimated amount. Reads only.
 */
export async function estimateSubscriptionUpdate(
  deps: EstimateDependencies,
  environmentId: string,
  subscriptionId: string,
  input: EstimateSubscriptionUpdateInput,
  request: ResolvedSubscriptionRequest,
  now: Date,
): Promise<EstimateView> {
  const row = await findSubscription(deps.db, environmentId, subscriptionId);
  if (!row) throw new EstimateRefusal(404, 'NOT_FOUND', `subscription "${subscriptionId}" was not found`, 'subscriptionId');
  const billingPeriod = request.billingPeriod ?? row.billing_period ?? 'MONTHLY';
  const paid = row.pricing_type === 'PAID';
  const { packages, prices } = paid
    ? await choosePackages(deps.db, environmentId, {
        plan: { id: row.plan_id, version: row.plan_version }, billableFeatures: request.billableFeatures, billingPeriod, billingCountryCode: row.billing_country_code,
        addons: request.addons.map(({ addon, quantity }) => ({ id: addon.id, version: row.addons.find((held) => held.addonId === addon.id)?.version ?? addon.version, quantity })),
      })
    : { packages: [], prices: [] };
  const prorationDate = wholeSecond(now);
  const range = row.current_billing_period_start && row.current_billing_period_end
    ? { start: row.current_billing_period_start, end: row.current_billing_period_end }
    : billingPeriodRange(row.start_date, billingPeriod);
  if (prorationDate.getTime() >= range.end.getTime()) {
    throw new EstimateRefusal(409, 'SUBSCRIPTION_NOT_UPDATABLE', `subscription "${row.id}" is renewing (its period ended at ${range.end.toISOString()}); retry shortly`, 'subscriptionId');
  }
  const billing = deps.billing && deps.billing.name !== 'none' ? deps.billing : undefined;

  if (billing && paid && row.billing_id && prices.every((price) => price.billingId !== null)) {
    const customer = await findCustomer(deps.db, environmentId, row.customer_id);
    if (customer?.billing_id) {
      const customerBillingId = customer.billing_id;
      const promotionCodeId = typeof input.promotionCode === 'string' ? await findPromotionCodeId(billing, input.promotionCode, customerBillingId) : input.promotionCode;
      const items = prices.map((price) => ({ priceBillingId: price.billingId!, quantity: price.quantity }));
      const { change, renewal } = await askProvider(
        () => billing.previewSubscriptionChange({ billingId: row.billing_id!, customerBillingId, items, prorationDate, ...(promotionCodeId !== undefined && { promotionCodeId }) }),
        'subscriptionId',
      );
      return {
        ...previewFigures(change),
        billingPeriodRange: { start: range.start.toISOString(), end: range.end.toISOString() },
        proration: previewProration(change, prorationDate),
        subscription: previewTotals(renewal),
        source: 'PROVIDER',
      };
    }
  }

  // The engine: a promotion code is the provider's (removing one, null, changes nothing the engine prices).
  if (typeof input.promotionCode === 'string') throw promotionNeedsProvider();
  const change = prorateChange({
    current: { packages: packagesOfPrices(row.prices), billingPeriod, billingPeriodRange: range },
    next: { packages, billingPeriod },
    billingCountryCode: row.billing_country_code,
    prorationDate: prorationDate.getTime() < range.start.getTime() ? range.start : prorationDate,
  });
  if ('problem' in change) throw pricingRefused(change.problem);
  return changeEstimateView(change.estimate);
}
