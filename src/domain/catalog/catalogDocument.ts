import { z } from 'zod';
import { isCountryCode, isCurrencyCode } from '../countries';

// The catalog document: the whole desired catalog of one environment, applied as code.
export const catalogIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'must start with a letter or digit and contain only letters, digits, "_", ".", ":" or "-"');

// Every number fits the column (or jsonb value) that stores it, so a bad value is a 400 here, never a 500 at insert.
const POSTGRES_INTEGER_MAX = 2_147_483_647;
const minorUnits = z.number().int('must be an integer amount in minor units (cents)').min(0).max(99_999_999_999);
// Counts kept in bigint columns or jsonb: integers JavaScript holds exactly.
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
// coupons.percent_off is numeric(5, 2): a third decimal would be rounded away silently (0.001 would become 0 %).
const percentage = z
  .number()
  .gt(0)
  .max(100)
  .refine((value) => Number(value.toFixed(2)) === value, 'at most 2 decimals are allowed (e.g. 12.5 or 12.25)');
const currencySchema = z
  .string()
  .transform((value) => value.toLowerCase())
  .refine(isCurrencyCode, 'must be an ISO-4217 currency code, e.g. "usd"');
export const countryCodeSchema = z.string().refine(isCountryCode, 'must be an ISO-3166-1 alpha-2 country code, e.g. "US"');

export const BILLING_PERIODS = ['MONTHLY', 'ANNUALLY'] as const;
export const billingPeriodSchema = z.enum(BILLING_PERIODS);
export const RESET_PERIODS = ['HOUR', 'DAY', 'WEEK', 'MONTH', 'YEAR'] as const;

const tierSchema = z.strictObject({
  upTo: count.positive().optional(),
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
  value: count.optional(),
  usageLimit: count.optional(),
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
  maxQuantity: z.number().int().positive().max(POSTGRES_INTEGER_MAX).optional(),
});

const productSchema = z.strictObject({
  id: catalogIdSchema,
  displayName: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  customerJourney: z
    .strictObject({ initialPlanId: catalogIdSchema.optional(), fallbackPlanId: catalogIdSchema.optional() })
    .default({}),
  multipleSubscriptions: z.boolean().default(false),
  // Not part of any plan version: reordering plans must not make new versions (and grandfathered subscriptions).
  planOrder: z
    .array(catalogIdSchema)
    .optional()
    .describe('The product\'s plans from the lowest tier to the highest: the paywall lists them so, and a plan later in the list is an upgrade from an earlier one'),
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
  percentOff: percentage.optional(),
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

// GET /v1/catalog shows each plan's and add-on's version number; a PUT of that answer accepts it and ignores it.
const readOnlyVersion = { version: z.number().int().positive().optional().describe('read-only, as GET /v1/catalog shows it; ignored') };
const dropVersion = <T extends { version?: number }>({ version: _version, ...definition }: T) => definition;

// One entry of each list of the document, so a validator can check them one by one.
export const catalogEntrySchemas = {
  products: productSchema,
  features: featureSchema,
  plans: planSchema.extend(readOnlyVersion).transform(dropVersion),
  addons: addonSchema.extend(readOnlyVersion).transform(dropVersion),
  coupons: couponSchema,
  meters: meterSchema,
};
export type CatalogSection = keyof typeof catalogEntrySchemas;

export const catalogDocumentSchema = z.strictObject({
  products: z.array(catalogEntrySchemas.products).default([]),
  features: z.array(catalogEntrySchemas.features).default([]),
  plans: z.array(catalogEntrySchemas.plans).default([]),
  addons: z.array(catalogEntrySchemas.addons).default([]),
  coupons: z.array(catalogEntrySchemas.coupons).default([]),
  meters: z.array(catalogEntrySchemas.meters).default([]),
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
