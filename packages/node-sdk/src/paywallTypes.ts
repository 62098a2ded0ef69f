import type { BillingPeriod, SubscriptionStatus } from './types.js';

// getPaywall: what a pricing page needs, as GET /v1/paywall answers it (src/domain/paywall/paywallView.ts).

export type GetPaywallRequest = { productId: string; customerId?: string; resourceId?: string; billingCountryCode?: string };

export type PaywallPrice = {
  billingPeriod: BillingPeriod;
  billingModel: 'FLAT_FEE' | 'PER_UNIT' | 'TIERED';
  featureId: string | null;
  currency: string;
  // Minor units (cents); null for TIERED prices.
  amount: number | null;
  tiersMode: 'GRADUATED' | 'VOLUME' | null;
  tiers: { upTo?: number; unitAmount: number; flatAmount?: number }[] | null;
  // The billing country this price is localized for; null: the default price.
  countryCode: string | null;
};

export type PaywallEntitlement = {
  featureId: string;
  value?: number;
  usageLimit?: number;
  unlimited?: boolean;
  hasSoftLimit?: boolean;
  resetPeriod?: 'HOUR' | 'DAY' | 'WEEK' | 'MONTH' | 'YEAR';
  feature?: { displayName: string; description?: string; featureType: 'BOOLEAN' | 'NUMBER'; unit?: string; unitPlural?: string };
};

type PaywallPackage = { id: string; version: number; displayName: string; description?: string; prices: PaywallPrice[]; entitlements: PaywallEntitlement[] };

export type PaywallAddon = PaywallPackage & { pricingType: 'FREE' | 'PAID'; maxQuantity?: number };

export type PaywallPlan = PaywallPackage & {
  pricingType: 'FREE' | 'PAID' | 'CUSTOM';
  trial?: { duration: number; unit: 'DAY' | 'MONTH' };
  compatibleAddons: PaywallAddon[];
  // With a customerId only.
  isCurrentPlan?: boolean;
  isUpgrade?: boolean;
};

export type Paywall = {
  productId: string;
  billingCountryCode: string | null;
  // In the product's planOrder (lowest tier first), then the plans it does not list.
  plans: PaywallPlan[];
  customer: {
    customerId: string;
    resourceId: string | null;
    currentPlanId: string | null;
    subscriptions: { subscriptionId: string; planId: string; planVersion: number; status: SubscriptionStatus | 'ACTIVE' | 'IN_TRIAL' | 'PAYMENT_PENDING' | 'NOT_STARTED'; billingPeriod: BillingPeriod | null }[];
  } | null;
};
