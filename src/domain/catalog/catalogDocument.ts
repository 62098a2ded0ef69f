import { z } from 'zod';
import { isCountryCode, isCurrencyCode } from '../countries';

// The catalog document: the whole desired catalog of one environment, applied as code.
export const catalogIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'must start with a letter or digit and contain only letters, digits, "_", ".", ":" or "-"');

const minorUnits = z.number().int('must be an integer amount in minor units (cents)').min(0).max(99_999_999_999);
const currencySchema = z
  .string()
  .transform((value) => value.toLowerCase())
  .refine(isCurrencyCode, 'must be an ISO-4217 currency code, e.g. "usd"');
export const countryCodeSchema = z.string().refine(isCountryCode, 'must be an ISO-3166-1 alpha-2 country code, e.g. "US"');

export const BILLING_PERIODS = ['MONTHLY', 'ANNUALLY'] as const;
export const billingPeriodSchema = z.enum(BILLING_PERIODS);
export const RESET_PERIODS = ['HOUR', 'DAY', 'WEEK', 'MONTH', 'YEAR'] as const;

const tierSchema = z.strictObject({
  upTo: z.number().int().positive().optional(),
  unitAmount: minorUnits,
  flatAmount: minorUnits.optional(),
});

const pricePointSchema = z.strictObject({
  currency: currencySchema,
  amount: minorUnits.optional(),
  tiers: z.array(tierSchema).min(1).optional(),
});

const priceSchema = z.strictObject({
  billingPeriod: billingPeriodSchema,
  billingModel: z.enum(['FLAT_FEE', 'PER_UNIT', 'TIERED']),
  featureId: catalogIdSchema.optional(),
  tiersMode: z.enum(['GRADUATED', 'VOLUME']).optional(),
  currency: currencySchema,
  amount: minorUnits.optional(),
  tiers: z.array(tierSchema).min(1).optional(),
  countryPrices: z.array(pricePointSchema.extend({ countryCode: countryCodeSchema })).optional(),
});

const entitlementSchema = z.strictObject({
  featureId: catalogIdSchema,
  value: z.number().int().min(0).optional(),
  usageLimit: z.number().int().min(0).optional(),
  unlimited: z.boolean().optional(),
  hasSoftLimit: z.boolean().optional(),
  resetPeriod: z.enum(RESET_PERIODS).optional(),
});

const trialSchema = z.strictObject({
  duration: z.number().int().positive().max(730),
  unit: z.enum(['DAY', 'MONTH']).default('DAY'),
});

const packageFields = {
  productId: catalogIdSchema,
  displayName: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  status: z.enum(['PUBLISHED', 'DRAFT']).default('PUBLISHED'),
  prices: z.array(priceSchema).default([]),
  entitlements: z.array(entitlementSchema).default([]),
};

export const planSchema = z.strictObject({
  id: catalogIdSchema,
  ...packageFields,
  pricingType: z.enum(['FREE', 'PAID', 'CUSTOM']),
  trial: trialSchema.optional(),
  compatibleAddonIds: z.array(catalogIdSchema).default([]),
});

export const addonSchema = z.strictObject({
  id: catalogIdSchema,
  ...packageFields,
  pricingType: z.enum(['FREE', 'PAID']).default('PAID'),
  maxQuantity: z.number().int().positive().optional(),
});

const productSchema = z.strictObject({
  id: catalogIdSchema,
  displayName: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  customerJourney: z
    .strictObject({ initialPlanId: catalogIdSchema.optional(), fallbackPlanId: catalogIdSchema.optional() })
    .default({}),
  multipleSubscriptions: z.boolean().default(false),
});

const featureSchema = z.strictObject({
  id: catalogIdSchema,
  displayName: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  featureType: z.enum(['BOOLEAN', 'NUMBER']),
  meterType: z.enum(['None', 'Fluctuating', 'Incremental']).default('None'),
  unit: z.string().max(50).optional(),
  unitPlural: z.string().max(50).optional(),
});

const couponSchema = z.strictObject({
  id: catalogIdSchema,
  displayName: z.string().min(1).max(200),
  discountType: z.enum(['PERCENTAGE', 'FIXED']),
  percentOff: z.number().gt(0).max(100).optional(),
  amountsOff: z.array(z.strictObject({ currency: currencySchema, amount: minorUnits.min(1) })).optional(),
  durationType: z.enum(['FOREVER', 'ONCE', 'REPEATING']),
  durationInMonths: z.number().int().positive().max(120).optional(),
});

const meterSchema = z.strictObject({
  id: catalogIdSchema,
  featureId: catalogIdSchema,
  eventName: z.string().min(1).max(200),
  filters: z
    .array(
      z.strictObject({
        dimension: z.string().min(1).max(200),
        operator: z.enum(['EQUALS', 'NOT_EQUALS', 'IN', 'NOT_IN', 'EXISTS', 'NOT_EXISTS', 'GT', 'GTE', 'LT', 'LTE']),
        values: z.array(z.union([z.string(), z.number(), z.boolean()])).default([]),
      }),
    )
    .default([]),
  aggregation: z.strictObject({
    function: z.enum(['COUNT', 'SUM', 'MAX', 'MIN', 'UNIQUE']),
    field: z.string().min(1).max(200).optional(),
  }),
});

export const catalogDocumentSchema = z.strictObject({
  products: z.array(productSchema).default([]),
  features: z.array(featureSchema).default([]),
  plans: z.array(planSchema).default([]),
  addons: z.array(addonSchema).default([]),
  coupons: z.array(couponSchema).default([]),
  meters: z.array(meterSchema).default([]),
});

export type CatalogDocument = z.infer<typeof catalogDocumentSchema>;
export type CatalogDocumentInput = z.input<typeof catalogDocumentSchema>;
export type ProductDefinition = CatalogDocument['products'][number];
export type FeatureDefinition = CatalogDocument['features'][number];
export type PlanDefinition = CatalogDocument['plans'][number];
export type AddonDefinition = CatalogDocument['addons'][number];
export type CouponDefinition = CatalogDocument['coupons'][number];
export type MeterDefinition = CatalogDocument['meters'][number];
export type PriceDefinition = PlanDefinition['prices'][number];
export type EntitlementDefinition = PlanDefinition['entitlements'][number];
export type BillingPeriod = z.infer<typeof billingPeriodSchema>;
