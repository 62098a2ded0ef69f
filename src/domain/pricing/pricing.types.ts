import type { CouponDefinition } from '../catalog/catalogDocument';
import type { ChosenPrice } from '../subscriptions/chosenPrice';

// Money as the HTTP and SDK contracts show it: an integer amount in the currency's minor unit (cents).
export type Money = { amount: number; currency: string };

/** A tax rate applied to every line of an invoice (Stripe's tax_rates: exclusive adds to the total, inclusive is inside it). */
export type TaxRate = { displayName: string; percentage: number; inclusive: boolean };

/** A coupon as the catalog defines it, possibly redeemed through a promotion code (its checks are the caller's). */
export type AppliedDiscount = {
  coupon: Pick<CouponDefinition, 'id' | 'discountType' | 'percentOff' | 'amountsOff' | 'durationType' | 'durationInMonths'>;
  promotionCode?: string;
  /** When the discount began (the subscription's start, or when the code was redeemed); REPEATING counts months from here. */
  start: Date;
};

/** Something the caller asked for that cannot be priced, named by its input field. */
export type PricingProblem = { field: string; message: string };

/** One priced line: a chosen price, its quantity, and what it costs for the period (or part of it) it covers. */
export type PricedLine = { price: ChosenPrice; quantity: number; amount: Money; proration: 'CREDIT' | 'DEBIT' | null };

export type TaxDetail = { displayName: string; inclusive: boolean; percentage: number; taxableAmount: Money; amount: Money };

export type DiscountDetail = {
  couponId: string;
  promotionCode?: string;
  type: 'PERCENTAGE' | 'FIXED';
  /** The percentage off (e.g. 20 for 20 %), or the fixed amount off in minor units of the invoice's currency. */
  value: number;
  durationType: 'FOREVER' | 'ONCE' | 'REPEATING';
  durationInMonths?: number;
  amount: Money;
};

/** The figures of one invoice, as estimateSubscription answers them. */
export type InvoiceEstimate = {
  /** Sum of the lines: before any discount or exclusive tax (inclusive taxes are inside it). */
  subTotal: Money;
  /** subTotal − discount − inclusive taxes. */
  totalExcludingTax: Money;
  /** Every tax, inclusive and exclusive. */
  tax: Money;
  /** subTotal − discount + exclusive taxes: what the customer pays. */
  total: Money;
  taxDetails: TaxDetail[];
  discount?: DiscountDetail;
  lines: PricedLine[];
};

export type BillingPeriodRange = { start: Date; end: Date };

export type SubscriptionEstimate = InvoiceEstimate & { billingPeriodRange: BillingPeriodRange };

export type Proration = { prorationDate: Date; credit: Money; debit: Money; netAmount: Money };

/** A change mid-period: the invoice of its prorations, and the un-prorated totals of the subscription it leads to. */
export type SubscriptionChangeEstimate = InvoiceEstimate & {
  billingPeriodRange: BillingPeriodRange;
  proration: Proration;
  subscription: Pick<InvoiceEstimate, 'total' | 'totalExcludingTax' | 'subTotal' | 'tax'>;
};
