import { z } from 'zod';
import type { InvoiceEstimate, SubscriptionChangeEstimate, SubscriptionEstimate } from './pricing.types';

// The answer of estimateSubscription and estimateSubscriptionUpdate (the contract's shape; money as { amount, currency }).
const moneySchema = z.object({ amount: z.number().int().describe('In the currency\'s minor unit (cents)'), currency: z.string() });
const taxSchema = z.object({ displayName: z.string(), inclusive: z.boolean(), percentage: z.number(), taxableAmount: moneySchema, amount: moneySchema });
const totalsShape = { total: moneySchema, totalExcludingTax: moneySchema, subTotal: moneySchema, tax: moneySchema };

export const estimateSchema = z.object({
  ...totalsShape,
  taxDetails: z.object({ displayName: z.string(), inclusive: z.boolean(), percentage: z.number() }).optional().describe('The first tax rate (every rate is in `taxes`)'),
  taxes: z.array(taxSchema).describe('Each tax rate with what it taxes and its amount'),
  discount: z
    .object({
      type: z.enum(['PERCENTAGE', 'FIXED']),
      value: z.number().describe('Percent off (20 = 20 %), or the amount off in minor units'),
      durationType: z.enum(['FOREVER', 'REPEATING', 'ONCE']),
      durationInMonths: z.number().int().optional(),
      amount: moneySchema,
    })
    .optional(),
  billingPeriodRange: z.object({ start: z.iso.datetime(), end: z.iso.datetime() }),
  proration: z
    .object({ prorationDate: z.iso.datetime(), credit: moneySchema, debit: moneySchema, netAmount: moneySchema })
    .optional()
    .describe('Credit for the unused time of the old items, debit for the remaining time of the new ones; pass prorationDate to the update to be charged exactly this'),
  subscription: z.object(totalsShape).optional().describe('The subscription\'s un-prorated totals after the change'),
  source: z.enum(['PROVIDER', 'ENGINE']).describe('PROVIDER: the billing provider\'s invoice preview; ENGINE: Tollgate\'s pricing engine (no provider)'),
});
export type EstimateView = z.infer<typeof estimateSchema>;
type InvoiceFigures = Omit<EstimateView, 'billingPeriodRange' | 'proration' | 'subscription' | 'source'>;

function invoiceFigures(invoice: InvoiceEstimate): InvoiceFigures {
  const { total, totalExcludingTax, subTotal, tax, taxDetails, discount } = invoice;
  const first = taxDetails[0];
  return {
    total, totalExcludingTax, subTotal, tax,
    ...(first && { taxDetails: { displayName: first.displayName, inclusive: first.inclusive, percentage: first.percentage } }),
    taxes: taxDetails.map(({ displayName, inclusive, percentage, taxableAmount, amount }) => ({ displayName, inclusive, percentage, taxableAmount, amount })),
    ...(discount && {
      discount: { type: discount.type, value: discount.value, durationType: discount.durationType, ...(discount.durationInMonths !== undefined && { durationInMonths: discount.durationInMonths }), amount: discount.amount },
    }),
  };
}

/** The engine's estimate of a new subscription's first invoice, as answered. */
export function subscriptionEstimateView(estimate: SubscriptionEstimate): EstimateView {
  const { start, end } = estimate.billingPeriodRange;
  return { ...invoiceFigures(estimate), billingPeriodRange: { start: start.toISOString(), end: end.toISOString() }, source: 'ENGINE' };
}

/** The engine's estimate of a change: the invoice of its prorations, the proration, and the subscription after it. */
export function changeEstimateView(estimate: SubscriptionChangeEstimate): EstimateView {
  const { start, end } = estimate.billingPeriodRange;
  const { prorationDate, credit, debit, netAmount } = estimate.proration;
  return {
    ...invoiceFigures(estimate),
    billingPeriodRange: { start: start.toISOString(), end: end.toISOString() },
    proration: { prorationDate: prorationDate.toISOString(), credit, debit, netAmount },
    subscription: estimate.subscription,
    source: 'ENGINE',
  };
}
