import { z } from 'zod';
import { catalogIdSchema } from '../catalog/catalogDocument';
import { customerIdSchema } from '../customers/customerInput';
import { identifierSchema } from '../input/identifier';

export const USAGE_UPDATE_BEHAVIORS = ['DELTA', 'SET'] as const;
export type UsageUpdateBehavior = (typeof USAGE_UPDATE_BEHAVIORS)[number];

// Reports dated in the future are refused past this margin (clocks of callers drift a little).
export const FUTURE_MARGIN_MS = 5 * 60_000;
const EARLIEST = Date.parse('2000-01-01T00:00:00Z');

export const dimensionsSchema = z
  .record(z.string().min(1).max(100), z.union([z.string().max(1000), z.number().finite(), z.boolean()], { error: 'must be a string, a finite number or a boolean (dimensions are flat)' }), {
    error: 'must be an object of string, number or boolean values',
  })
  .refine((dimensions) => Object.keys(dimensions).length <= 50, 'at most 50 dimensions');

const reportDateSchema = z.iso
  .datetime({ offset: true, error: 'must be an ISO-8601 date-time, e.g. "2026-12-01T09:00:00Z"' })
  .transform((text) => new Date(text))
  .refine((date) => date.getTime() >= EARLIEST, 'must not be before 2000-01-01')
  .refine((date) => date.getTime() <= Date.now() + FUTURE_MARGIN_MS, 'must not be more than 5 minutes in the future');

// One calculated-usage report, as the seed's reportUsage sends it, plus `enforceLimit` (check-and-consume).
export const usageReportSchema = z
  .strictObject({
    customerId: customerIdSchema,
    featureId: catalogIdSchema,
    value: z.number({ error: 'must be a finite number' }).finite().max(1e15).min(-1e15),
    resourceId: identifierSchema(255).optional(),
    updateBehavior: z.enum(USAGE_UPDATE_BEHAVIORS).default('DELTA'),
    createdAt: reportDateSchema.optional(),
    dimensions: dimensionsSchema.default({}),
    idempotencyKey: z.string().min(1).max(255).optional(),
    enforceLimit: z.boolean().default(false),
  })
  .refine((report) => report.updateBehavior !== 'SET' || report.value >= 0, { path: ['value'], message: 'a SET value must not be negative' });
export type UsageReport = z.infer<typeof usageReportSchema>;

export const MAX_USAGE_BATCH = 100;

// One report, or `{ usages: [...] }` with up to 100: a bad item rejects the whole batch, naming its index.
export const reportUsageBodySchema = z.union([
  z.strictObject({ usages: z.array(usageReportSchema).min(1, 'must hold at least one report').max(MAX_USAGE_BATCH, `at most ${MAX_USAGE_BATCH} reports a batch`) }),
  usageReportSchema,
]);
