import type { BillingInvoicePreview } from '../../billing/billingProvider';
import type { EstimateView } from '../../domain/pricing/estimateView';

type Totals = Pick<EstimateView, 'total' | 'totalExcludingTax' | 'subTotal' | 'tax'>;

const DURATION = { forever: 'FOREVER', once: 'ONCE', repeating: 'REPEATING' } as const;

export function previewTotals(preview: BillingInvoicePreview): Totals {
  const money = (amount: number) => ({ amount, currency: preview.currency });
  return {
    total: money(preview.total),
    totalExcludingTax: money(preview.totalExcludingTax),
    subTotal: money(preview.subtotal),
    tax: money(preview.taxes.reduce((sum, tax) => sum + tax.amount, 0)),
  };
}

/** The provider's invoice preview in the estimate's shape (the billing period and proration are the caller's). */
export function previewFigures(preview: BillingInvoicePreview): Omit<EstimateView, 'billingPeriodRange' | 'proration' | 'subscription' | 'source'> {
  const money = (amount: number) => ({ amount, currency: preview.currency });
  const first = preview.taxes[0];
  const { coupon } = preview;
  return {
    ...previewTotals(preview),
    ...(first && { taxDetails: { displayName: first.displayName, inclusive: first.inclusive, percentage: first.percentage } }),
    taxes: preview.taxes.map((tax) => ({ displayName: tax.displayName, inclusive: tax.inclusive, percentage: tax.percentage, taxableAmount: money(tax.taxableAmount), amount: money(tax.amount) })),
    ...(coupon && preview.discount !== 0 && {
      discount: {
        type: coupon.percentOff !== null ? ('PERCENTAGE' as const) : ('FIXED' as const),
        value: coupon.percentOff ?? coupon.amountOff ?? 0,
        durationType: DURATION[coupon.duration],
        ...(coupon.durationInMonths !== null && { durationInMonths: coupon.durationInMonths }),
        amount: money(preview.discount),
      },
    }),
  };
}

/**
 * The proration of a change preview: credits (unused time, negative) and debits (remaining time; a whole new period
 * when the change restarts the cycle, as the engine counts it), and their sum.
 */
export function previewProration(preview: BillingInvoicePreview, prorationDate: Date): NonNullable<EstimateView['proration']> {
  const money = (amount: number) => ({ amount, currency: preview.currency });
  const prorations = preview.lines;
  const credit = prorations.filter((line) => line.amount < 0).reduce((sum, line) => sum + line.amount, 0);
  const debit = prorations.filter((line) => line.amount > 0).reduce((sum, line) => sum + line.amount, 0);
  return { prorationDate: prorationDate.toISOString(), credit: money(credit), debit: money(debit), netAmount: money(credit + debit) };
}
