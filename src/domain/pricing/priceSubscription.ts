import type { BillingPeriod } from '../catalog/catalogDocument';
import { choosePrices, type PricedPackage } from '../subscriptions/choosePrices';
import type { ChosenPrice } from '../subscriptions/chosenPrice';
import { billingPeriodRange } from './billingPeriod';
import { discountApplies } from './discounts';
import { checkTaxRates, invoiceTotals, type RawLine } from './invoiceTotals';
import { fullPeriodAmount } from './lineAmount';
import type { AppliedDiscount, PricingProblem, SubscriptionEstimate, TaxRate } from './pricing.types';

// A plan with no prices (FREE) has no currency of its own; its zero totals are shown in this one.
const CURRENCY_WITHOUT_PRICES = 'usd';

export type SubscriptionPricing = {
  /** The plan and its add-ons, each with the quantity of every per-unit feature and the add-on's own quantity. */
  packages: PricedPackage[];
  billingPeriod: BillingPeriod;
  /** Picks each price's localized row for this country when the catalog has one (ISO-3166-1 alpha-2). */
  billingCountryCode: string | null;
  /** Start of the billing period priced: the subscription's start for its first invoice, a renewal date after. */
  periodStart: Date;
  discount?: AppliedDiscount | null;
  taxRates?: readonly TaxRate[];
};

export type ChosenLines = { lines: RawLine[]; prices: ChosenPrice[]; currency: string };

/** The prices the packages pay in a period and country, each with its full-period amount. */
export function chooseLines(packages: PricedPackage[], billingPeriod: BillingPeriod, billingCountryCode: string | null): ChosenLines | { problem: PricingProblem } {
  const choice = choosePrices(packages, billingPeriod, billingCountryCode);
  if ('problem' in choice) return { problem: { field: 'billingCountryCode', message: choice.problem } };
  for (const price of choice.prices) {
    if (!Number.isSafeInteger(price.quantity) || price.quantity < 0) {
      return { problem: { field: 'quantity', message: `the quantity of ${price.featureId ?? price.packageId} must be a whole number of at least 0` } };
    }
  }
  const lines = choice.prices.map((price): RawLine => ({ price, quantity: price.quantity, amount: fullPeriodAmount(price, price.quantity), proration: null }));
  return { lines, prices: choice.prices, currency: choice.currency ?? CURRENCY_WITHOUT_PRICES };
}

/**
 * The invoice of one whole billing period of a subscription: every chosen price × its quantity, the discount if it
 * applies to an invoice starting at `periodStart` (ONCE / REPEATING / FOREVER), then the tax rates.
 */
export function priceSubscription(input: SubscriptionPricing): { estimate: SubscriptionEstimate } | { problem: PricingProblem } {
  const rates = checkTaxRates(input.taxRates ?? []);
  if ('problem' in rates) return rates;
  const chosen = chooseLines(input.packages, input.billingPeriod, input.billingCountryCode);
  if ('problem' in chosen) return chosen;
  const discount = input.discount && discountApplies(input.discount, input.periodStart) ? input.discount : null;
  const priced = invoiceTotals(chosen.lines, chosen.currency, discount, rates.rates);
  if ('problem' in priced) return priced;
  return { estimate: { ...priced.invoice, billingPeriodRange: billingPeriodRange(input.periodStart, input.billingPeriod) } };
}
