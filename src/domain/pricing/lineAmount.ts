import type { ChosenPrice } from '../subscriptions/chosenPrice';

// What one price costs for a whole billing period at a quantity, exactly (catalog amounts are integers, so no
// rounding happens here): FLAT_FEE and PER_UNIT are amount × quantity; TIERED follows Stripe's tiers modes.
export function fullPeriodAmount(price: ChosenPrice, quantity: number): bigint {
  const units = BigInt(quantity);
  if (price.billingModel !== 'TIERED') return BigInt(price.amount ?? 0) * units;
  const tiers = price.tiers ?? [];
  if (quantity === 0) return 0n;
  if (price.tiersMode === 'VOLUME') {
    // Volume: the tier the whole quantity falls in prices every unit; its flat amount is added once.
    const tier = tiers.find((t) => t.upTo === undefined || quantity <= t.upTo) ?? tiers[tiers.length - 1];
    return tier ? BigInt(tier.unitAmount) * units + BigInt(tier.flatAmount ?? 0) : 0n;
  }
  // Graduated: each tier prices only the units inside it, and adds its flat amount once any unit reaches it.
  let total = 0n;
  let previousUpTo = 0;
  for (const tier of tiers) {
    const upTo = tier.upTo ?? Number.POSITIVE_INFINITY;
    const inTier = Math.min(quantity, upTo) - previousUpTo;
    if (inTier <= 0) break;
    total += BigInt(tier.unitAmount) * BigInt(inTier) + BigInt(tier.flatAmount ?? 0);
    previousUpTo = upTo;
  }
  return total;
}
