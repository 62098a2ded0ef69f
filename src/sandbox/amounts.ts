// Invoice arithmetic as Stripe documents it: price × quantity (per unit, graduated or volume tiers), then invoice-level
// discounts, then tax rates on the discounted amount (exclusive rates add to the total, inclusive ones are part of it).
import type { SandboxObject } from './params';

interface Tier { up_to: number | null; unit_amount_decimal: string | null; flat_amount_decimal: string | null }

const dec = (value: unknown): number => (typeof value === 'string' ? Number(value) : 0);

/** The amount of one line, in the currency's minor unit. */
export function lineAmount(price: SandboxObject, quantity: number): number {
  if (price.billing_scheme !== 'tiered') return Math.round(dec(price.unit_amount_decimal) * quantity);
  const tiers = (price.tiers ?? []) as Tier[];
  if (price.tiers_mode === 'volume') {
    const tier = tiers.find((t) => t.up_to === null || quantity <= t.up_to) ?? tiers[tiers.length - 1];
    return tier ? Math.round(dec(tier.unit_amount_decimal) * quantity + dec(tier.flat_amount_decimal)) : 0;
  }
  // Graduated: each tier prices only the units that fall inside it; its flat fee applies once any unit does.
  let total = 0;
  let previous = 0;
  for (const tier of tiers) {
    const upTo = tier.up_to ?? Number.POSITIVE_INFINITY;
    const units = Math.min(quantity, upTo) - previous;
    if (units <= 0) break;
    total += dec(tier.unit_amount_decimal) * units + dec(tier.flat_amount_decimal);
    previous = upTo;
  }
  return Math.round(total);
}

export interface PricedLine { price: SandboxObject; quantity: number; amount: number }
export interface AppliedDiscount { id: string; coupon: SandboxObject }

export interface LineTotals {
  discountAmounts: Array<{ amount: number; discount: string }>;
  taxes: Array<Record<string, unknown>>;
}

export interface InvoiceTotals {
  lines: LineTotals[];
  subtotal: number;
  subtotalExcludingTax: number;
  discountAmounts: Array<{ amount: number; discount: string }>;
  totalTaxes: Array<Record<string, unknown>>;
  tax: number;
  total: number;
  totalExcludingTax: number;
}

function taxesOn(base: number, rates: readonly SandboxObject[]): Array<Record<string, unknown>> {
  const inclusive = rates.filter((r) => r.inclusive === true);
  const inclusivePercent = inclusive.reduce((sum, r) => sum + Number(r.percentage), 0);
  // Inclusive rates are already inside the amount: the net is what remains once they are taken out.
  const net = Math.round((base * 100) / (100 + inclusivePercent));
  return rates.map((rate) => {
    const percent = Number(rate.percentage);
    const amount = rate.inclusive === true
      ? (inclusive.length === 1 ? base - net : Math.round((net * percent) / 100))
      : Math.round((net * percent) / 100);
    return {
      amount, tax_behavior: rate.inclusive === true ? 'inclusive' : 'exclusive', tax_rate_details: { tax_rate: rate.id },
      taxability_reason: 'not_available', taxable_amount: net, type: 'tax_rate_details',
    };
  });
}

/** Totals of an invoice whose `discounts` and `taxRates` apply to every line. */
export function invoiceTotals(lines: readonly PricedLine[], discounts: readonly AppliedDiscount[], taxRates: readonly SandboxObject[]): InvoiceTotals {
  const remaining = lines.map((l) => l.amount);
  const perLine: LineTotals[] = lines.map(() => ({ discountAmounts: [], taxes: [] }));
  const discountAmounts = discounts.map(({ id, coupon }) => {
    const available = remaining.reduce((a, b) => a + b, 0);
    const wanted = coupon.percent_off !== null ? Math.round((available * Number(coupon.percent_off)) / 100) : Math.min(Number(coupon.amount_off), available);
    // Spread over the lines in proportion to what is left of each; the last line takes the rounding remainder.
    let spread = 0;
    remaining.forEach((left, i) => {
      const share = i === remaining.length - 1 ? wanted - spread : available === 0 ? 0 : Math.round((wanted * left) / available);
      spread += share;
      remaining[i] = left - share;
      perLine[i]?.discountAmounts.push({ amount: share, discount: id });
    });
    return { amount: wanted, discount: id };
  });
  const totalTaxes = new Map<string, Record<string, unknown>>();
  remaining.forEach((base, i) => {
    const taxes = taxesOn(base, taxRates);
    if (perLine[i]) perLine[i].taxes = taxes;
    for (const tax of taxes) {
      const key = (tax.tax_rate_details as { tax_rate: string }).tax_rate;
      const sum = totalTaxes.get(key);
      totalTaxes.set(key, sum
        ? { ...sum, amount: Number(sum.amount) + Number(tax.amount), taxable_amount: Number(sum.taxable_amount) + Number(tax.taxable_amount) }
        : { ...tax });
    }
  });
  const taxList = [...totalTaxes.values()];
  const sumOf = (items: Array<Record<string, unknown>>, behavior?: string): number =>
    items.filter((t) => behavior === undefined || t.tax_behavior === behavior).reduce((sum, t) => sum + Number(t.amount), 0);
  const subtotal = lines.reduce((sum, l) => sum + l.amount, 0);
  const discounted = subtotal - discountAmounts.reduce((sum, d) => sum + d.amount, 0);
  const inclusiveOnSubtotal = lines.reduce((sum, l) => sum + sumOf(taxesOn(l.amount, taxRates), 'inclusive'), 0);
  const exclusiveTax = sumOf(taxList, 'exclusive');
  const inclusiveTax = sumOf(taxList, 'inclusive');
  return {
    lines: perLine, subtotal, subtotalExcludingTax: subtotal - inclusiveOnSubtotal, discountAmounts, totalTaxes: taxList,
    tax: exclusiveTax + inclusiveTax, total: discounted + exclusiveTax, totalExcludingTax: discounted - inclusiveTax,
  };
}
