import { z } from 'zod';

// The customer as the API and SDK return it; the type is inferred, so the shape is written down once.
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
export type Customer = z.infer<typeof customerSchema>;
