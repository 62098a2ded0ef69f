import { z } from 'zod';
import { addonSchema, planSchema } from './catalogDocument';

// A plan or add-on as the catalog shows it: one version's content with its number and status.
const versioned = { version: z.number().int().positive(), status: z.enum(['PUBLISHED', 'DRAFT']) };
export const planViewSchema = planSchema.extend(versioned);
export const addonViewSchema = addonSchema.extend(versioned);

export type PlanView = z.infer<typeof planViewSchema> & { kind: 'PLAN' };
export type AddonView = z.infer<typeof addonViewSchema> & { kind: 'ADDON' };
export type PackageView = PlanView | AddonView;
