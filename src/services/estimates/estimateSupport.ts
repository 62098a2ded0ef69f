import { BillingProviderError, type BillingProvider } from '../../billing/billingProvider';
import type { Db } from '../../db/createDb';
import { EstimateRefusal, invalidEstimate } from './estimateRefusal';
import { listVersionPrices } from '../../db/repositories/subscriptions.repository';
import type { BillingPeriod } from '../../domain/catalog/catalogDocument';
import { addonPackage, planPackage } from '../../domain/pricing/estimatePackages';
import type { PricingProblem } from '../../domain/pricing/pricing.types';
import type { PricedPackage } from '../../domain/subscriptions/choosePrices';
import type { ChosenPrice } from '../../domain/subscriptions/chosenPrice';
import { choosePrices } from '../../domain/subscriptions/choosePrices';

export type EstimateDependencies = { db: Db; billing?: BillingProvider };

// Stripe counts in whole seconds: an estimate made at 12:00:00.900 prorates as one made at 12:00:00.
export const wholeSecond = (date: Date) => new Date(Math.floor(date.getTime() / 1000) * 1000);

/** The packages of a plan version and its add-ons at the given versions, and the prices they pay in a period and country. */
export async function choosePackages(
  db: Db,
  environmentId: string,
  input: {
    plan: { id: string; version: number };
    billableFeatures: readonly { featureId: string; quantity: number }[];
    addons: readonly { id: string; version: number; quantity: number }[];
    billingPeriod: BillingPeriod;
    billingCountryCode: string | null;
  },
): Promise<{ packages: PricedPackage[]; prices: ChosenPrice[] }> {
  const packages = [
    planPackage({ ...input.plan, prices: await listVersionPrices(db, environmentId, input.plan.id, input.plan.version) }, input.billableFeatures),
    ...(await Promise.all(input.addons.map(async (addon) => addonPackage({ ...addon, prices: await listVersionPrices(db, environmentId, addon.id, addon.version) }, addon.quantity)))),
  ];
  const choice = choosePrices(packages, input.billingPeriod, input.billingCountryCode);
  if ('problem' in choice) throw invalidEstimate('billingCountryCode', choice.problem);
  return { packages, prices: choice.prices };
}

/** A problem the engine found with the request, as a 400 naming its field. */
export const pricingRefused = (problem: PricingProblem) => invalidEstimate(problem.field, problem.message);

// Promotion codes live at the billing provider (the seed: they need a billing integration): only its preview prices them.
export const promotionNeedsProvider = () =>
  new EstimateRefusal(
    422,
    'PROMOTION_CODE_NOT_APPLICABLE',
    'promotionCode: promotion codes are kept at the billing provider, and none is configured (or this customer or its prices are not there yet)',
    'promotionCode',
  );

export async function findPromotionCodeId(billing: BillingProvider, code: string, customerBillingId: string): Promise<string> {
  const found = await askProvider(() => billing.findPromotionCode({ code, customerBillingId }), 'promotionCode');
  if (!found) throw new EstimateRefusal(422, 'PROMOTION_CODE_NOT_APPLICABLE', `promotionCode: promotion code "${code}" does not exist, has expired, is used up or is not for this customer`, 'promotionCode');
  return found.promotionCodeId;
}

/** One read of the provider: its refusal is a 422 naming the field, its outage a 503 (nothing was changed either way). */
export async function askProvider<T>(request: () => Promise<T>, field: string): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (!(error instanceof BillingProviderError)) throw error;
    if (error.retryable) throw new EstimateRefusal(503, 'BILLING_PROVIDER_UNAVAILABLE', `the billing provider did not answer the estimate: ${error.message}; retry shortly`);
    throw new EstimateRefusal(422, 'BILLING_PROVIDER_REJECTED', `${field}: ${error.message}`, field, [{ field, message: error.message, providerCode: error.code ?? null, providerParam: error.param ?? null }]);
  }
}
