import { z } from 'zod';
import { catalogIdSchema } from '../../domain/catalog/catalogDocument';
import { customerIdSchema } from '../../domain/customers/customerInput';
import { identifierSchema } from '../../domain/input/identifier';

export const usageAcknowledgementSchema = z.object({
  measurementId: z.string(),
  customerId: z.string(),
  featureId: z.string(),
  resourceId: z.string().optional(),
  updateBehavior: z.enum(['DELTA', 'SET']),
  value: z.number(),
  currentUsage: z.number().describe('The counter of the usage period after this report'),
  usagePeriodStart: z.iso.datetime().optional().describe('Absent for a meter that never resets'),
  usagePeriodEnd: z.iso.datetime().optional(),
});

export const usageBatchAcknowledgementSchema = z.object({ usages: z.array(usageAcknowledgementSchema) });

export const usageHistoryPathSchema = z.object({ customerId: customerIdSchema, featureId: catalogIdSchema });
export const usageHistoryQuerySchema = z.strictObject({
  resourceId: identifierSchema(255).optional(),
  limit: z.string().regex(/^\d{1,3}$/, 'must be a whole number from 1 to 366').transform(Number).refine((n) => n >= 1 && n <= 366, 'must be a whole number from 1 to 366').optional(),
});

export const usageHistorySchema = z.object({
  customerId: z.string(),
  featureId: z.string(),
  resourceId: z.string().optional(),
  periods: z.array(
    z.object({
      usagePeriodStart: z.iso.datetime().optional().describe('Absent for a meter that never resets'),
      usagePeriodEnd: z.iso.datetime().optional(),
      usage: z.number(),
      updatedAt: z.iso.datetime(),
    }),
  ),
});
