import type { BillingPeriod } from '../catalog/catalogDocument';
import type { PricedPackage } from '../subscriptions/choosePrices';
import type { ChosenPrice } from '../subscriptions/chosenPrice';
import { billingPeriodRange, remainingTime } from './billingPeriod';
import { discountApplies } from './discounts';
import { checkTaxRates, invoiceTotals, toMoney, type RawLine } from './invoiceTotals';
import type { AppliedDiscount, BillingPeriodRange, PricingProblem, SubscriptionChangeEstimate, TaxRate } from './pricing.types';
import { chooseLines } from './priceSubscription';
import { divideRounded } from './rounding';

export type SubscriptionChange = {
  /** What the subscription pays now, and the billing period it is in. */
  current: { packages: PricedPackage[]; billingPeriod: BillingPeriod; billingPeriodRange: BillingPeriodRange };
  /** What it would pay after the change (another plan, quantities, add-ons or billing period). */
  next: { packages: PricedPackage[]; billingPeriod: BillingPeriod };
  billingCountryCode: string | null;
  /** When the change takes effect; Stripe prorates to the second from here to the period's end. */
  prorationDate: Date;
  /** The discount the subscription has after the change (a promotion code given with it starts at prorationDate). */
  discount?: AppliedDiscount | null;
  taxRates?: readonly TaxRate[];
};

// Two lines are the same item when they bill the same price of the same package version at the same quantity.
const itemKey = (price: ChosenPrice) => `${price.packageKind}:${price.packageId}:${price.featureId ?? ''}`;
const sameItem = (a: RawLine, b: RawLine) =>
  JSON.stringify([a.price.version, a.price.billingModel, a.price.currency, a.price.amount, a.price.tiersMode, a.price.tiers, a.quantity]) ===
  JSON.stringify([b.price.version, b.price.billingModel, b.price.currency, b.price.amount, b.price.tiersMode, b.price.tiers, b.quantity]);

/**
 * Prorations as Stripe documents them: for each item that changes, a credit for the unused time of the old item
 * (−amount × remaining seconds / period seconds) and a debit for the remaining time of the new one (+amount ×
 * remaining / period), each rounded by the rule; unchanged items make no lines, so a no-change update nets to zero.
 * A change of billing period restarts the cycle at the proration date: the old items are credited for their unused
 * time and the new ones debited for a whole new period. Then the invoice of those lines (discount, taxes), and
 * the un-prorated totals of the subscription after the change.
 */
export function prorateChange(change: SubscriptionChange): { estimate: SubscriptionChangeEstimate } | { problem: PricingProblem } {
  const rates = checkTaxRates(change.taxRates ?? []);
  if ('problem' in rates) return rates;
  const { current, next, prorationDate } = change;
  const { remaining, length } = remainingTime(current.billingPeriodRange, prorationDate);
  if (length <= 0n) return { problem: { field: 'billingPeriodRange', message: 'the billing period must end after it starts' } };
  if (remaining < 0n || remaining > length) return { problem: { field: 'prorationDate', message: 'must fall within the current billing period' } };
  const before = chooseLines(current.packages, current.billingPeriod, change.billingCountryCode);
  if ('problem' in before) return before;
  const after = chooseLines(next.packages, next.billingPeriod, change.billingCountryCode);
  if ('problem' in after) return after;
  if (before.prices.length > 0 && after.prices.length > 0 && before.currency !== after.currency) {
    return { problem: { field: 'planId', message: `the new prices are in ${after.currency}, the subscription bills in ${before.currency}` } };
  }
  const restartsCycle = current.billingPeriod !== next.billingPeriod;
  const prorated = (line: RawLine, sign: 1n | -1n): RawLine => ({
    ...line, amount: sign * divideRounded(line.amount * remaining, length), proration: sign === 1n ? 'DEBIT' : 'CREDIT',
  });
  const newByKey = new Map(after.lines.map((line) => [itemKey(line.price), line]));
  const oldByKey = new Map(before.lines.map((line) => [itemKey(line.price), line]));
  const changed = (line: RawLine, others: Map<string, RawLine>) => {
    const other = others.get(itemKey(line.price));
    return restartsCycle || !other || !sameItem(line, other);
  };
  const credits = before.lines.filter((line) => changed(line, newByKey)).map((line) => prorated(line, -1n));
  const debits = after.lines
    .filter((line) => changed(line, oldByKey))
    .map((line): RawLine => (restartsCycle ? { ...line, proration: 'DEBIT' } : prorated(line, 1n)));

  const currency = after.prices.length > 0 ? after.currency : before.currency;
  const discount = change.discount && discountApplies(change.discount, prorationDate) ? change.discount : null;
  const invoice = invoiceTotals([...credits, ...debits], currency, discount, rates.rates);
  if ('problem' in invoice) return invoice;
  const subscription = invoiceTotals(after.lines, currency, discount, rates.rates);
  if ('problem' in subscription) return subscription;

  const credit = credits.reduce((sum, line) => sum + line.amount, 0n);
  const debit = debits.reduce((sum, line) => sum + line.amount, 0n);
  // Each part already fits (invoiceTotals checked every line), so only their sum can be out of range.
  const netAmount = toMoney(credit + debit, currency);
  const creditMoney = toMoney(credit, currency);
  const debitMoney = toMoney(debit, currency);
  if (!netAmount || !creditMoney || !debitMoney) return { problem: { field: 'quantity', message: 'the quantities make an amount too large to bill' } };
  const { total, totalExcludingTax, subTotal, tax } = subscription.invoice;
  return {
    estimate: {
      ...invoice.invoice,
      billingPeriodRange: restartsCycle ? billingPeriodRange(prorationDate, next.billingPeriod) : current.billingPeriodRange,
      proration: { prorationDate, credit: creditMoney, debit: debitMoney, netAmount },
      subscription: { total, totalExcludingTax, subTotal, tax },
    },
  };
}
