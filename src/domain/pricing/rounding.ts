// THE ROUNDING RULE of the pricing engine, the only place money is divided:
// amounts are integers in the currency's minor unit (bigint inside the engine); every step that divides
// (a prorated line, a percentage discount and each line's share of it, each tax on each line, the net of an
// inclusive tax) rounds its own result to the nearest minor unit, halves away from zero, before the next step
// uses it. Sums are never rounded (they are exact), so every total is the sum of the parts it shows.
// Stripe's invoice lines, discount amounts and tax amounts are integers in the minor unit, computed in this order
// (lines, then discounts, then taxes on the discounted lines); halves away from zero keep a credit the exact mirror
// of the same debit (Math.round would turn −2.5 into −2 but 2.5 into 3).

/** `numerator / denominator` rounded to the nearest integer, halves away from zero. */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const quotient = (2n * n + d) / (2n * d);
  return negative ? -quotient : quotient;
}

// Percentages (tax rates, percent-off coupons) are held exactly as millionths of the whole: 12.5 % = 125_000.
export const WHOLE = 1_000_000n;
const PERCENT_DECIMALS = 4;

/** A percentage with at most 4 decimals (as Stripe tax rates allow) as millionths; null when it has more. */
export function percentAsMillionths(percent: number): bigint | null {
  if (!Number.isFinite(percent) || percent < 0) return null;
  const scaled = Math.round(percent * 10 ** PERCENT_DECIMALS);
  if (Math.abs(scaled - percent * 10 ** PERCENT_DECIMALS) > 1e-6) return null;
  return BigInt(scaled);
}

/** `amount × millionths / 1,000,000`, rounded by the rule. */
export const percentOf = (amount: bigint, millionths: bigint): bigint => divideRounded(amount * millionths, WHOLE);

/** Splits `total` over `weights` in proportion, each share rounded by the rule, the last taking the remainder. */
export function allocate(total: bigint, weights: readonly bigint[]): bigint[] {
  const sum = weights.reduce((a, b) => a + b, 0n);
  let given = 0n;
  return weights.map((weight, index) => {
    const share = index === weights.length - 1 ? total - given : sum === 0n ? 0n : divideRounded(total * weight, sum);
    given += share;
    return share;
  });
}
