import { z } from 'zod';

// One line of what applying a catalog changed, as PUT /v1/catalog answers it.
export const catalogChangeSummarySchema = z.object({
  entity: z.enum(['product', 'feature', 'coupon', 'meter', 'plan', 'addon']),
  id: z.string(),
  action: z.string(),
  version: z.number().int().optional(),
});
export type CatalogChangeSummary = z.infer<typeof catalogChangeSummarySchema>;
