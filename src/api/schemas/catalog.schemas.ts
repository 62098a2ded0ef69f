import { z } from 'zod';
import { catalogChangeSummarySchema } from '../../domain/catalog/catalogChangeSummary';
import { addonSchema, catalogDocumentSchema, planSchema } from '../../domain/catalog/catalogDocument';
import { addonViewSchema, planViewSchema } from '../../domain/catalog/packageView';

// Request body: catalogDocumentSchema (src/domain/catalog/catalogDocument.ts), as JSON or YAML.

// Without `format`: the live catalog (versions on sale). `document`: what PUT takes, drafts included.
export const catalogQuerySchema = z.strictObject({ format: z.enum(['document']).optional() });

// The live catalog: the document's shape, each plan and add-on at the version on sale (or its draft when none is).
export const catalogViewSchema = catalogDocumentSchema.extend({ plans: z.array(planViewSchema), addons: z.array(addonViewSchema) });
// The document as `format=document` answers it: no version numbers (the request schema only tolerates them).
const catalogDocumentAnswerSchema = catalogDocumentSchema.extend({ plans: z.array(planSchema), addons: z.array(addonSchema) });
export const catalogResponseSchema = z.union([catalogViewSchema, catalogDocumentAnswerSchema]);

export const applyCatalogResponseSchema = z.object({
  changed: z.boolean(),
  changes: z.array(catalogChangeSummarySchema),
  billingSync: z.object({ workflowId: z.string() }).optional().describe('The workflow syncing the change to the billing provider'),
});
