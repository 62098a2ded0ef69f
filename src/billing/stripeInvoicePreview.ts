import type Stripe from 'stripe';
import type { BillingInvoicePreview, BillingItem, BillingProvider } from './billingProvider';
import { call } from './stripeCall';

type PreviewCalls = Pick<BillingProvider, 'previewNewSubscription' | 'previewSubscriptionChange' | 'findTaxRate'>;

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const fromSeconds = (value: number) => new Date(value * 1000);
const idOf = (value: string | { id: string } | null | undefined) => (value === null || value === undefined ? null : typeof value === 'string' ? value : value.id);

// Stripe's item list for a previewed change, as updateSubscription sends it: kept items by id, others deleted, new ones added.
function changedItems(current: Stripe.Subscription, wanted: BillingItem[]): Stripe.InvoiceCreatePreviewParams.SubscriptionDetails.Item[] {
  const items: Stripe.InvoiceCreatePreviewParams.SubscriptionDetails.Item[] = current.items.data.map((item) => {
    const kept = wanted.find((entry) => entry.priceBillingId === item.price.id);
    return kept ? { id: item.id, quantity: kept.quantity } : { id: item.id, deleted: true };
  });
  for (const entry of wanted) {
    if (!current.items.data.some((item) => item.price.id === entry.priceBillingId)) items.push({ price: entry.priceBillingId, quantity: entry.quantity });
  }
  return items;
}

// The coupon behind a promotion code (Stripe's `promotion.coupon` since API 2025-09; `coupon` before).
async function couponOf(stripe: Stripe, promotionCodeId: string | null | undefined): Promise<BillingInvoicePreview['coupon']> {
  if (!promotionCodeId) return null;
  const promotion = (await call(() => stripe.promotionCodes.retrieve(promotionCodeId))) as unknown as { promotion?: { coupon?: string | { id: string } }; coupon?: string | { id: string } };
  const couponId = idOf(promotion.promotion?.coupon ?? promotion.coupon);
  if (!couponId) return null;
  const coupon = await call(() => stripe.coupons.retrieve(couponId));
  return { id: coupon.id, percentOff: coupon.percent_off, amountOff: coupon.amount_off, duration: coupon.duration as 'forever' | 'once' | 'repeating', durationInMonths: coupon.duration_in_months };
}

const heldPromotionCode = (subscription: Stripe.Subscription) =>
  (subscription.discounts ?? []).map((discount) => (typeof discount === 'string' ? null : idOf(discount.promotion_code as string | { id: string } | null))).find(Boolean) ?? null;

async function toPreview(stripe: Stripe, invoice: Stripe.Invoice, coupon: BillingInvoicePreview['coupon']): Promise<BillingInvoicePreview> {
  const rates = new Map<string, Stripe.TaxRate>();
  for (const rate of invoice.default_tax_rates ?? []) rates.set(rate.id, rate);
  const taxes: BillingInvoicePreview['taxes'] = [];
  for (const tax of invoice.total_taxes ?? []) {
    const rateId = idOf(tax.tax_rate_details?.tax_rate as string | { id: string } | undefined);
    if (!rateId) continue;
    const rate = rates.get(rateId) ?? (await call(() => stripe.taxRates.retrieve(rateId)));
    rates.set(rateId, rate);
    taxes.push({ displayName: rate.display_name, percentage: rate.percentage, inclusive: rate.inclusive, amount: tax.amount, taxableAmount: tax.taxable_amount ?? 0 });
  }
  return {
    currency: invoice.currency,
    subtotal: invoice.subtotal,
    totalExcludingTax: invoice.total_excluding_tax ?? invoice.subtotal,
    total: invoice.total,
    discount: (invoice.total_discount_amounts ?? []).reduce((sum, entry) => sum + entry.amount, 0),
    taxes,
    lines: invoice.lines.data.map((line) => ({
      amount: line.amount,
      proration: line.parent?.subscription_item_details?.proration ?? false,
      periodStart: fromSeconds(line.period.start),
      periodEnd: fromSeconds(line.period.end),
    })),
    coupon,
  };
}

// Estimates through Stripe's invoice preview: reads only, so nothing is created, charged or changed.
export function createStripePreviewCalls(stripe: Stripe): PreviewCalls {
  return {
    async previewNewSubscription(input) {
      const invoice = await call(() =>
        stripe.invoices.createPreview({
          customer: input.customerBillingId,
          ...(input.promotionCodeId && { discounts: [{ promotion_code: input.promotionCodeId }] }),
          subscription_details: {
            items: input.items.map((item) => ({ price: item.priceBillingId, quantity: item.quantity })),
            ...(input.taxRateIds.length > 0 && { default_tax_rates: input.taxRateIds }),
          },
        }),
      );
      return toPreview(stripe, invoice, await couponOf(stripe, input.promotionCodeId));
    },

    async previewSubscriptionChange(input) {
      const current = await call(() => stripe.subscriptions.retrieve(input.billingId, { expand: ['discounts'] }));
      const preview = (behavior: 'always_invoice' | 'none') =>
        call(() =>
          stripe.invoices.createPreview({
            customer: input.customerBillingId,
            subscription: input.billingId,
            // A promotion code given with the change applies to the invoices it raises.
            ...(input.promotionCodeId && { discounts: [{ promotion_code: input.promotionCodeId }] }),
            subscription_details: {
              items: changedItems(current, input.items),
              proration_behavior: behavior,
              ...(behavior === 'always_invoice' && { proration_date: seconds(input.prorationDate) }),
            },
          }),
        );
      // As the update is made (always_invoice) at a fixed second the update can be given too; then the renewal after it.
      const [change, renewal] = [await preview('always_invoice'), await preview('none')];
      const kept = input.promotionCodeId === undefined ? heldPromotionCode(current) : input.promotionCodeId;
      const coupon = await couponOf(stripe, kept);
      return { change: await toPreview(stripe, change, coupon), renewal: await toPreview(stripe, renewal, coupon) };
    },

    async findTaxRate(percentage) {
      const rates = await call(() => stripe.taxRates.list({ active: true, inclusive: false, limit: 100 }));
      const existing = rates.data.find((rate) => rate.percentage === percentage);
      return existing ? { billingId: existing.id } : null;
    },
  };
}
