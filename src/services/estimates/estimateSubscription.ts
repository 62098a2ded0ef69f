import { findCustomer } from '../../db/repositories/customers.repository';
import { findSubscription, listLiveInScope } from '../../db/repositories/subscriptions.repository';
import type { SubscriptionRow } from '../../db/database';
import { billingPeriodRange } from '../../domain/pricing/billingPeriod';
import { packagesOfPrices } from '../../domain/pricing/estimatePackages';
import { changeEstimateView, subscriptionEstimateView, type EstimateView } from '../../domain/pricing/estimateView';
import { priceSubscription } from '../../domain/pricing/priceSubscription';
import type { TaxRate } from '../../domain/pricing/pricing.types';
import { prorateChange } from '../../domain/pricing/prorateChange';
import type { EstimateSubscriptionInput } from '../../domain/subscriptions/estimateInput';
import type { ResolvedSubscriptionRequest } from '../../domain/subscriptions/subscriptionRequest';
import { invalidEstimate } from './estimateRefusal';
import { askProvider, choosePackages, findPromotionCodeId, pricingRefused, promotionNeedsProvider, wholeSecond, type EstimateDependencies } from './estimateSupport';
import { previewFigures, previewProration, previewTotals } from './providerEstimateView';

// The live paid subscription a new one on the same product (and resource) would replace, while its period runs.
async function replacedSubscription(deps: EstimateDependencies, environmentId: string, customerId: string, request: ResolvedSubscriptionRequest, at: Date) {
  const live = await listLiveInScope(deps.db, { environmentId, customerId, productId: request.productId, resourceId: request.resourceId });
  const paid = live.find((subscription) => subscription.slot === 'PAID');
  const row = paid && (await findSubscription(deps.db, environmentId, paid.id));
  if (!row || row.prices.length === 0 || !row.billing_period || !row.current_billing_period_start || !row.current_billing_period_end) return null;
  // In whole seconds, as Stripe counts: an estimate in the second the subscription began is within its period.
  const inPeriod = wholeSecond(row.current_billing_period_start).getTime() <= at.getTime() && at.getTime() < row.current_billing_period_end.getTime();
  return inPeriod ? (row as SubscriptionRow & { billing_period: NonNullable<SubscriptionRow['billing_period']>; current_billing_period_start: Date; current_billing_period_end: Date }) : null;
}

/**
 * estimateSubscription: the first invoice of the subscription asked for, as provisioning would choose its prices (the
 * plan's latest version). When it would replace a live paid subscription now, the proration against that one and the
 * new subscription's un-prorated totals. From the provider's invoice preview when it can preview the request as given
 * (customer and prices known there, tax rates existing), else from the engine. Reads only.
 */
export async function estimateSubscription(deps: EstimateDependencies, environmentId: string, input: EstimateSubscriptionInput, request: ResolvedSubscriptionRequest, now: Date): Promise<EstimateView> {
  const paid = request.plan.pricingType === 'PAID';
  const billingPeriod = request.billingPeriod ?? 'MONTHLY';
  const billingCountryCode = input.billingCountryCode ?? null;
  const { packages, prices } = paid
    ? await choosePackages(deps.db, environmentId, {
        plan: request.plan, billableFeatures: request.billableFeatures, billingPeriod, billingCountryCode,
        addons: request.addons.map(({ addon, quantity }) => ({ id: addon.id, version: addon.version, quantity })),
      })
    : { packages: [], prices: [] };
  const start = wholeSecond(input.startDate && input.startDate.getTime() > now.getTime() ? input.startDate : now);
  const replaced = paid && start.getTime() <= now.getTime() ? await replacedSubscription(deps, environmentId, input.customerId, request, start) : null;
  const information = input.billingInformation;
  const billing = deps.billing && deps.billing.name !== 'none' ? deps.billing : undefined;

  if (billing && paid) {
    const customer = await findCustomer(deps.db, environmentId, input.customerId);
    const taxRateIds = [...(information?.taxRateIds ?? [])];
    for (const id of taxRateIds) await askProvider(() => billing.checkTaxRate(id), 'billingInformation.taxRateIds');
    const percentageRate = information?.taxPercentage !== undefined ? await askProvider(() => billing.findTaxRate(information.taxPercentage!), 'billingInformation.taxPercentage') : null;
    const previewable = customer?.billing_id && prices.every((price) => price.billingId !== null) && (information?.taxPercentage === undefined || percentageRate);
    if (previewable) {
      const customerBillingId = customer.billing_id!;
      const promotionCodeId = input.promotionCode ? await findPromotionCodeId(billing, input.promotionCode, customerBillingId) : null;
      const items = prices.map((price) => ({ priceBillingId: price.billingId!, quantity: price.quantity }));
      if (percentageRate) taxRateIds.push(percentageRate.billingId);
      const first = await askProvider(() => billing.previewNewSubscription({ customerBillingId, items, taxRateIds, promotionCodeId }), 'planId');
      const periodLine = first.lines.find((line) => !line.proration);
      const range = periodLine ? { start: periodLine.periodStart, end: periodLine.periodEnd } : billingPeriodRange(start, billingPeriod);
      if (replaced?.billing_id) {
        const { change } = await askProvider(
          () => billing.previewSubscriptionChange({ billingId: replaced.billing_id!, customerBillingId, items, prorationDate: start, promotionCodeId }),
          'planId',
        );
        return { ...previewFigures(change), billingPeriodRange: iso(range), proration: previewProration(change, start), subscription: previewTotals(first), source: 'PROVIDER' };
      }
      return { ...previewFigures(first), billingPeriodRange: iso(range), source: 'PROVIDER' };
    }
  }

  // The engine: promotion codes and tax rate ids are the provider's, so only its preview can price them.
  if (input.promotionCode !== undefined) throw promotionNeedsProvider();
  if (information?.taxRateIds?.length) {
    throw invalidEstimate('billingInformation.taxRateIds', 'tax rate ids are priced by the billing provider\'s preview (none is configured, or the customer is not there yet): give taxPercentage');
  }
  const taxRates: TaxRate[] = information?.taxPercentage !== undefined ? [{ displayName: 'Tax', percentage: information.taxPercentage, inclusive: false }] : [];
  if (replaced) {
    const change = prorateChange({
      current: {
        packages: packagesOfPrices(replaced.prices), billingPeriod: replaced.billing_period,
        billingPeriodRange: { start: replaced.current_billing_period_start, end: replaced.current_billing_period_end },
      },
      next: { packages, billingPeriod },
      billingCountryCode, prorationDate: start, taxRates,
    });
    if ('problem' in change) throw pricingRefused(change.problem);
    return changeEstimateView(change.estimate);
  }
  const priced = priceSubscription({ packages, billingPeriod, billingCountryCode, periodStart: start, taxRates });
  if ('problem' in priced) throw pricingRefused(priced.problem);
  return subscriptionEstimateView(priced.estimate);
}

const iso = (range: { start: Date; end: Date }) => ({ start: range.start.toISOString(), end: range.end.toISOString() });
