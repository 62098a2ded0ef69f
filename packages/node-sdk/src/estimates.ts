import type { Metadata } from './types.js';

// Estimates (the contract's estimateSubscription / estimateSubscriptionUpdate): money as { amount, currency } in
// the currency's minor unit, dates as Date.
export type Money = { amount: number; currency: string };

export type EstimateSubscriptionRequest = {
  customerId: string;
  planId: string;
  billingPeriod?: 'MONTHLY' | 'ANNUALLY';
  unitQuantity?: number;
  billableFeatures?: { featureId: string; quantity: number }[];
  addons?: { addonId: string; quantity: number }[];
  billingInformation?: { taxRateIds?: string[]; taxPercentage?: number; metadata?: Metadata };
  promotionCode?: string;
  startDate?: Date;
  billingCountryCode?: string;
  resourceId?: string;
};

export type EstimateSubscriptionUpdateRequest = {
  subscriptionId: string;
  unitQuantity?: number;
  billableFeatures?: { featureId: string; quantity: number }[];
  addons?: { addonId: string; quantity: number }[];
  promotionCode?: string | null;
};

export type EstimateTotals = { total: Money; totalExcludingTax: Money; subTotal: Money; tax: Money };

export type SubscriptionEstimate = EstimateTotals & {
  taxDetails?: { displayName: string; inclusive: boolean; percentage: number };
  taxes: { displayName: string; inclusive: boolean; percentage: number; taxableAmount: Money; amount: Money }[];
  discount?: { type: 'PERCENTAGE' | 'FIXED'; value: number; durationType: 'FOREVER' | 'REPEATING' | 'ONCE'; durationInMonths?: number; amount: Money };
  billingPeriodRange: { start: Date; end: Date };
  // Pass prorationDate to updateSubscription to be charged exactly this.
  proration?: { prorationDate: Date; credit: Money; debit: Money; netAmount: Money };
  // The subscription's un-prorated totals after the change.
  subscription?: EstimateTotals;
  // PROVIDER: the billing provider's invoice preview; ENGINE: Tollgate's pricing engine.
  source: 'PROVIDER' | 'ENGINE';
};

export type WireSubscriptionEstimate = Omit<SubscriptionEstimate, 'billingPeriodRange' | 'proration'> & {
  billingPeriodRange: { start: string; end: string };
  proration?: Omit<NonNullable<SubscriptionEstimate['proration']>, 'prorationDate'> & { prorationDate: string };
};

export function toSubscriptionEstimate(wire: WireSubscriptionEstimate): SubscriptionEstimate {
  const { billingPeriodRange, proration, ...rest } = wire;
  return {
    ...rest,
    billingPeriodRange: { start: new Date(billingPeriodRange.start), end: new Date(billingPeriodRange.end) },
    ...(proration && { proration: { ...proration, prorationDate: new Date(proration.prorationDate) } }),
  };
}
