import { z } from 'zod';
import { BILLING_PERIODS, RESET_PERIODS } from '../catalog/catalogDocument';

// What a pricing page shows: the product's published plans (latest versions) with prices for the caller's billing
// country, entitlements and compatible add-ons; with a customer, the plan they are on and which plans are upgrades.

const paywallPriceSchema = z.object({
  billingPeriod: z.enum(BILLING_PERIODS),
  billingModel: z.enum(['FLAT_FEE', 'PER_UNIT', 'TIERED']),
  featureId: z.string().nullable().describe('The feature a PER_UNIT or TIERED price counts'),
  currency: z.string(),
  amount: z.number().int().nullable().describe('Minor units (cents); null for TIERED prices'),
  tiersMode: z.enum(['GRADUATED', 'VOLUME']).nullable(),
  tiers: z.array(z.object({ upTo: z.number().int().optional(), unitAmount: z.number().int(), flatAmount: z.number().int().optional() })).nullable(),
  countryCode: z.string().nullable().describe('The billing country this price is localized for; null: the default price'),
});

const paywallEntitlementSchema = z.object({
  featureId: z.string(),
  value: z.number().int().optional(),
  usageLimit: z.number().int().optional(),
  unlimited: z.boolean().optional(),
  hasSoftLimit: z.boolean().optional(),
  resetPeriod: z.enum(RESET_PERIODS).optional(),
  feature: z
    .object({
      displayName: z.string(),
      description: z.string().optional(),
      featureType: z.enum(['BOOLEAN', 'NUMBER']),
      unit: z.string().optional(),
      unitPlural: z.string().optional(),
    })
    .optional(),
});

const packageFields = {
  id: z.string(),
  version: z.number().int().positive(),
  displayName: z.string(),
  description: z.string().optional(),
  prices: z.array(paywallPriceSchema).describe('Localized: per price, the billing country\'s price when the catalog has one, else the default, as provisioning chooses'),
  entitlements: z.array(paywallEntitlementSchema),
};

export const paywallAddonSchema = z.object({
  ...packageFields,
  pricingType: z.enum(['FREE', 'PAID']),
  maxQuantity: z.number().int().positive().optional(),
});

export const paywallPlanSchema = z.object({
  ...packageFields,
  pricingType: z.enum(['FREE', 'PAID', 'CUSTOM']),
  trial: z.object({ duration: z.number().int().positive(), unit: z.enum(['DAY', 'MONTH']) }).optional(),
  compatibleAddons: z.array(paywallAddonSchema),
  isCurrentPlan: z.boolean().optional().describe('With a customerId: the customer\'s live subscription on the product is on this plan'),
  isUpgrade: z.boolean().optional().describe('With a customerId: this plan comes after the current plan in the product\'s planOrder'),
});

export const paywallSubscriptionSchema = z.object({
  subscriptionId: z.string(),
  planId: z.string(),
  planVersion: z.number().int().positive(),
  status: z.enum(['ACTIVE', 'IN_TRIAL', 'PAYMENT_PENDING', 'NOT_STARTED']),
  billingPeriod: z.enum(BILLING_PERIODS).nullable(),
});

export const paywallSchema = z.object({
  productId: z.string(),
  billingCountryCode: z.string().nullable(),
  plans: z.array(paywallPlanSchema).describe('In the product\'s planOrder (lowest tier first), then the plans it does not list, by id'),
  customer: z
    .object({
      customerId: z.string(),
      resourceId: z.string().nullable(),
      currentPlanId: z.string().nullable().describe('The plan of the live paid subscription on the product, else of the live trial; null when neither'),
      subscriptions: z.array(paywallSubscriptionSchema).describe('The live subscriptions on the product (and resource), waiting ones included'),
    })
    .nullable(),
});

export type Paywall = z.infer<typeof paywallSchema>;
export type PaywallPlan = z.infer<typeof paywallPlanSchema>;
export type PaywallAddon = z.infer<typeof paywallAddonSchema>;
export type PaywallPrice = z.infer<typeof paywallPriceSchema>;
export type PaywallEntitlement = z.infer<typeof paywallEntitlementSchema>;
export type PaywallSubscription = z.infer<typeof paywallSubscriptionSchema>;
