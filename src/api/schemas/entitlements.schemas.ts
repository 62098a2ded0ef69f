import { z } from 'zod';
import { ACCESS_DENIED_REASONS, ENTITLEMENT_TYPES } from '../../domain/entitlements/entitlementCheck';
import { catalogIdSchema } from '../../domain/catalog/catalogDocument';
import { customerIdSchema } from '../../domain/customers/customerInput';
import { identifierSchema } from '../../domain/input/identifier';

const featureSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  featureType: z.enum(['BOOLEAN', 'NUMBER']),
  meterType: z.enum(['None', 'Fluctuating', 'Incremental']),
  units: z.string().nullable(),
  unitsPlural: z.string().nullable(),
});

// One entitlement as getBooleanEntitlement / getNumericEntitlement / getMeteredEntitlement answer it.
export const entitlementResultSchema = z.object({
  hasAccess: z.boolean(),
  isFallback: z.literal(false),
  accessDeniedReason: z.enum(ACCESS_DENIED_REASONS).optional(),
  type: z.enum(ENTITLEMENT_TYPES),
  feature: featureSchema.optional(),
  value: z.number().optional().describe('NUMERIC: the value, absent when unlimited'),
  isUnlimited: z.boolean().optional(),
  usageLimit: z.number().optional().describe('METERED: the limit, absent when unlimited'),
  hasSoftLimit: z.boolean().optional(),
  currentUsage: z.number().optional(),
  requestedUsage: z.number().optional(),
  resetPeriod: z.enum(['HOUR', 'DAY', 'WEEK', 'MONTH', 'YEAR']).optional(),
  usagePeriodAnchor: z.iso.datetime().optional(),
  usagePeriodStart: z.iso.datetime().optional(),
  usagePeriodEnd: z.iso.datetime().optional(),
});

export const entitlementListSchema = z.object({ entitlements: z.array(entitlementResultSchema) });

export const entitlementsPathSchema = z.object({ customerId: customerIdSchema });
export const entitlementPathSchema = z.object({ customerId: customerIdSchema, featureId: catalogIdSchema });

const resourceIdQuery = identifierSchema(255).optional();

export const entitlementsQuerySchema = z.strictObject({ resourceId: resourceIdQuery });

export const entitlementQuerySchema = z.strictObject({
  resourceId: resourceIdQuery,
  requestedUsage: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a non-negative number')
    .transform(Number)
    .refine((n) => Number.isFinite(n) && n <= 1e15, 'must be at most 1e15')
    .optional()
    .describe('METERED: the units the caller is about to use (default 1): access means current + requested fits the limit'),
  type: z.enum(ENTITLEMENT_TYPES).optional().describe('The type the caller expects; another one answers FeatureTypeMismatch'),
});
