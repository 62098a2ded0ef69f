import { z } from 'zod';
import { billingPeriodSchema, catalogIdSchema, countryCodeSchema } from '../catalog/catalogDocument';
import { identifierSchema } from '../input/identifier';

// Inputs of the customer operations, shaped as the seed's SDK sends them.
export const customerIdSchema = identifierSchema(255);

// Internationalised addresses (RFC 6531) are accepted: any script in the local part and the domain, no spaces or
// controls, a dotted domain whose labels are letters, digits and inner hyphens (punycode "xn--" too).
const EMAIL = /^[^\s@"(),:;<>[\\\]\p{Cc}\p{Cf}]{1,64}@(?=[^@]{1,253}$)(?:[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}-]{0,61}[\p{L}\p{N}\p{M}])?\.)+[\p{L}](?:[\p{L}\p{N}\p{M}-]{0,61}[\p{L}\p{N}\p{M}])?$/u;
const emailSchema = z.string().max(320).regex(EMAIL, 'must be an email address');

// Dates are ISO-8601 text only ("2026-12-01" or "2026-12-01T09:00:00Z"): no numbers, booleans or other formats
// that a lenient parser would read as some date nobody meant.
const isoDateSchema = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'must be an ISO-8601 date or date-time, e.g. "2026-12-01" or "2026-12-01T09:00:00Z"' })
  .transform((text) => new Date(text));

// Checkout redirects go to web pages only: javascript:, data: or file: URLs are refused.
const webUrlSchema = z.url({ protocol: /^https?$/, hostname: z.regexes.hostname, error: 'must be an http:// or https:// URL' }).max(2048);

export const metadataSchema = z
  .record(z.string().min(1).max(100), z.string().max(1000), {
    error: (issue) => (issue.input === undefined ? 'required' : 'must be an object of string values'),
  })
  .refine((metadata) => Object.keys(metadata).length <= 100, 'at most 100 keys');

// Stripe's limits on metadata (50 keys, 40-character keys, 500-character values), less the keys Tollgate adds.
const billingMetadataSchema = z
  .record(z.string().min(1).max(40), z.string().max(500), { error: 'must be an object of string values' })
  .refine((metadata) => Object.keys(metadata).length <= 46, 'at most 46 keys');

const TIME_ZONES = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);

const addressSchema = z.strictObject({
  country: countryCodeSchema.optional(),
  city: z.string().max(200).optional(),
  state: z.string().max(200).optional(),
  addressLine1: z.string().max(200).optional(),
  addressLine2: z.string().max(200).optional(),
  phoneNumber: z.string().max(40).optional(),
  postalCode: z.string().max(40).optional(),
});

export const billingInfoSchema = z.strictObject({
  language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as "en" or "en-US"').optional(),
  timezone: z
    .string()
    .refine((zone) => TIME_ZONES.has(zone), 'must be an IANA time zone such as "America/New_York"')
    .optional(),
  customerName: z.string().min(1).max(256).optional(),
  billingAddress: addressSchema.optional(),
  shippingAddress: addressSchema.optional(),
  taxIds: z
    .array(z.strictObject({ type: z.string().regex(/^[a-z]{2,3}_[a-z_]+$/, 'must be a Stripe tax id type such as "eu_vat"'), value: z.string().min(1).max(100) }))
    .max(10)
    .optional(),
  invoiceCustomFields: z.record(z.string().min(1).max(40), z.string().max(140)).optional(),
  paymentMethodId: z.string().regex(/^pm_[A-Za-z0-9_]+$/, 'must be a payment method id ("pm_…")').optional(),
  currency: z.string().regex(/^[a-zA-Z]{3}$/, 'must be a three-letter ISO-4217 currency code').transform((c) => c.toLowerCase()).optional(),
  metadata: billingMetadataSchema.optional(),
});
export type BillingInfo = z.infer<typeof billingInfoSchema>;

const quantitySchema = z.number().int().min(1).max(1_000_000);

export const subscriptionParamsSchema = z.strictObject({
  planId: catalogIdSchema,
  resourceId: identifierSchema(255).optional(),
  billingPeriod: billingPeriodSchema.optional(),
  unitQuantity: quantitySchema.optional(),
  billableFeatures: z.array(z.strictObject({ featureId: catalogIdSchema, quantity: quantitySchema })).optional(),
  addons: z.array(z.strictObject({ addonId: catalogIdSchema, quantity: quantitySchema })).optional(),
  // Back-dating is allowed, within reason: Stripe backdates no further than its own existence allows either.
  startDate: isoDateSchema
    .refine((date) => date.getUTCFullYear() >= 2000 && date.getUTCFullYear() <= 2099, 'must be between the years 2000 and 2099')
    .optional(),
  skipTrial: z.boolean().optional(),
  promotionCode: z.string().min(1).max(200).optional(),
  billingCountryCode: countryCodeSchema.optional(),
  billingInformation: z
    .strictObject({
      taxRateIds: z.array(z.string().regex(/^txr_[A-Za-z0-9_]+$/, 'must be a Stripe tax rate id ("txr_…")')).optional(),
      // Stripe keeps tax rates to four decimals; more would be rounded away without a word.
      taxPercentage: z.number().min(0).max(100).refine((value) => Number(value.toFixed(4)) === value, 'at most four decimals').optional(),
      metadata: metadataSchema.optional(),
    })
    .optional(),
  checkoutOptions: z
    .strictObject({
      successUrl: webUrlSchema,
      cancelUrl: webUrlSchema,
      allowPromoCodes: z.boolean().optional(),
      collectBillingAddress: z.boolean().optional(),
      referenceId: z.string().max(200).optional(),
      allowTaxIdCollection: z.boolean().optional(),
      collectPhoneNumber: z.boolean().optional(),
    })
    .optional(),
  metadata: metadataSchema.optional(),
});
export type SubscriptionParams = z.infer<typeof subscriptionParamsSchema>;

const customerFields = {
  name: z.string().max(256).nullable().optional(),
  email: emailSchema.nullable().optional(),
  couponId: catalogIdSchema.nullable().optional(),
  billingInfo: billingInfoSchema.optional(),
  metadata: metadataSchema.optional(),
};

export const provisionCustomerSchema = z.strictObject({
  customerId: customerIdSchema,
  ...customerFields,
  // null: no initial subscription; absent: the product's customer journey decides.
  subscriptionParams: subscriptionParamsSchema.nullable().optional(),
});
export type ProvisionCustomerInput = z.infer<typeof provisionCustomerSchema>;

export const updateCustomerSchema = z.strictObject(customerFields);
export type UpdateCustomerInput = z.infer<typeof updateCustomerSchema>;
