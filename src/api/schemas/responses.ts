import { z } from 'zod';
import { addonSchema, catalogDocumentSchema, planSchema } from '../../domain/catalog/catalogDocument';

// Response shapes, used only to document the API (requests are described by the schemas that validate them).
export const errorResponseSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional(), details: z.unknown().optional() }),
});

export const customerSchema = z.object({
  id: z.string(),
  customerId: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  couponId: z.string().nullable(),
  billingId: z.string().nullable().describe('The billing provider\'s customer id (Stripe "cus_…"), once synced'),
  metadata: z.record(z.string(), z.string()),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const provisionCustomerResponseSchema = z.object({ customer: customerSchema });

export const applyCatalogResponseSchema = z.object({
  changed: z.boolean(),
  changes: z.array(z.object({ entity: z.string(), id: z.string(), action: z.string(), version: z.number().int().optional() })),
  billingSync: z.object({ workflowId: z.string() }).optional(),
});

export const healthResponseSchema = z.object({ status: z.enum(['ok', 'unavailable']), postgres: z.string(), temporal: z.string() });

const versioned = { version: z.number().int().positive(), status: z.enum(['PUBLISHED', 'DRAFT']) };
// The live catalog: the document's shape, each plan and add-on at the version on sale (or its draft when none is).
export const catalogViewSchema = catalogDocumentSchema.extend({
  plans: z.array(planSchema.extend(versioned)),
  addons: z.array(addonSchema.extend(versioned)),
});
