import type { ChosenPrice } from '../subscriptions/chosenPrice';
import { discountAmount } from './discounts';
import type { AppliedDiscount, DiscountDetail, InvoiceEstimate, Money, PricingProblem, TaxDetail, TaxRate } from './pricing.types';
import { WHOLE, allocate, divideRounded, percentAsMillionths, percentOf } from './rounding';

/** A line before discounts and taxes, in exact minor units. */
export type RawLine = { price: ChosenPrice; quantity: number; amount: bigint; proration: 'CREDIT' | 'DEBIT' | null };

type Rate = TaxRate & { millionths: bigint };

/** Tax rates checked once: 0–100 % with at most 4 decimals. */
export function checkTaxRates(taxRates: readonly TaxRate[]): { rates: Rate[] } | { problem: PricingProblem } {
  const rates: Rate[] = [];
  for (const [index, rate] of taxRates.entries()) {
    const millionths = percentAsMillionths(rate.percentage);
    if (millionths === null || millionths > WHOLE) {
      return { problem: { field: `taxRates[${index}].percentage`, message: 'must be a percentage from 0 to 100 with at most 4 decimals' } };
    }
    rates.push({ ...rate, millionths });
  }
  return { rates };
}

/**
 * Each rate's tax on one line's discounted amount. Inclusive rates are inside the amount: the net is
 * amount × 100 / (100 + their percentages), rounded, and their tax (amount − net) is split between them by
 * percentage; exclusive rates add percentage × net, each rounded.
 */
function lineTaxes(amount: bigint, rates: readonly Rate[]): { net: bigint; taxes: bigint[] } {
  const inclusive = rates.filter((rate) => rate.inclusive);
  const inclusiveMillionths = inclusive.reduce((sum, rate) => sum + rate.millionths, 0n);
  const net = divideRounded(amount * WHOLE, WHOLE + inclusiveMillionths);
  const inclusiveShares = allocate(amount - net, inclusive.map((rate) => rate.millionths));
  let nextInclusive = 0;
  const taxes = rates.map((rate) => (rate.inclusive ? (inclusiveShares[nextInclusive++] ?? 0n) : percentOf(net, rate.millionths)));
  return { net, taxes };
}

/** A bigint amount as contract Money; amounts JavaScript cannot hold exactly are refused rather than rounded. */
export function toMoney(amount: bigint, currency: string): Money | null {
  if (amount > BigInt(Number.MAX_SAFE_INTEGER) || amount < -BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return { amount: Number(amount), currency };
}

const sum = (values: readonly bigint[]): bigint => values.reduce((a, b) => a + b, 0n);

/**
 * One invoice, in Stripe's order: the lines' sum (subTotal); the discount taken off that sum, then shared out over the
 * lines in proportion (the last line takes the remainder); every tax rate on each line's discounted amount.
 */
export function invoiceTotals(
  lines: readonly RawLine[],
  currency: string,
  discount: AppliedDiscount | null,
  rates: readonly Rate[],
): { invoice: InvoiceEstimate } | { problem: PricingProblem } {
  const amounts = lines.map((line) => line.amount);
  const subTotal = sum(amounts);
  let discountTotal = 0n;
  if (discount) {
    const taken = discountAmount(discount, subTotal, currency);
    if ('problem' in taken) return taken;
    discountTotal = taken.amount;
  }
  const lineDiscounts = allocate(discountTotal, amounts);
  const perLine = amounts.map((amount, i) => lineTaxes(amount - (lineDiscounts[i] ?? 0n), rates));
  const rateTax = rates.map((_, r) => sum(perLine.map((line) => line.taxes[r] ?? 0n)));
  const rateTaxable = rates.map(() => sum(perLine.map((line) => line.net)));
  const inclusiveTax = sum(rateTax.filter((_, r) => rates[r]?.inclusive));
  const exclusiveTax = sum(rateTax.filter((_, r) => !rates[r]?.inclusive));
  const figures = {
    subTotal,
    totalExcludingTax: subTotal - discountTotal - inclusiveTax,
    tax: inclusiveTax + exclusiveTax,
    total: subTotal - discountTotal + exclusiveTax,
  };
  // Every figure shown must fit a JavaScript number exactly; otherwise the caller's quantities are refused.
  const shown = [...Object.values(figures), discountTotal, ...rateTax, ...rateTaxable, ...amounts];
  if (shown.some((amount) => toMoney(amount, currency) === null)) {
    return { problem: { field: 'quantity', message: 'the quantities make an amount too large to bill' } };
  }
  const money = (amount: bigint): Money => ({ amount: Number(amount), currency });
  const taxDetails: TaxDetail[] = rates.map((rate, r) => ({
    displayName: rate.displayName, inclusive: rate.inclusive, percentage: rate.percentage,
    taxableAmount: money(rateTaxable[r] ?? 0n), amount: money(rateTax[r] ?? 0n),
  }));
  const invoice: InvoiceEstimate = {
    subTotal: money(figures.subTotal), totalExcludingTax: money(figures.totalExcludingTax), tax: money(figures.tax), total: money(figures.total),
    taxDetails,
    lines: lines.map((line) => ({ price: line.price, quantity: line.quantity, amount: money(line.amount), proration: line.proration })),
  };
  if (discount) invoice.discount = discountDetail(discount, money(discountTotal), currency);
  return { invoice };
}

function discountDetail(discount: AppliedDiscount, amount: Money, currency: string): DiscountDetail {
  const { coupon } = discount;
  const value = coupon.discountType === 'PERCENTAGE' ? (coupon.percentOff ?? 0) : (coupon.amountsOff?.find((entry) => entry.currency === currency)?.amount ?? 0);
  return {
    couponId: coupon.id,
    ...(discount.promotionCode !== undefined ? { promotionCode: discount.promotionCode } : {}),
    type: coupon.discountType, value, durationType: coupon.durationType,
    ...(coupon.durationInMonths !== undefined ? { durationInMonths: coupon.durationInMonths } : {}),
    amount,
  };
}
