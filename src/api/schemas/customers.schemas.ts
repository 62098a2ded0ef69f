import { z } from 'zod';
import { customerSchema } from '../../domain/customers/customer';
import { subscriptionSchema } from '../../domain/subscriptions/subscription';
import { customerIdSchema } from '../../domain/customers/customerInput';

// Request bodies: provisionCustomerSchema and updateCustomerSchema (src/domain/customers/customerInput.ts);
// the customer itself: customerSchema (src/domain/customers/customer.ts).
export const customerPathSchema = z.object({ customerId: customerIdSchema });

const initialSubscriptionFields = {
  subscriptionDecisionStrategy: z.enum(['REQUESTED_PLAN', 'PREDEFINED_FREE_PLAN', 'PREDEFINED_TRIAL_PLAN', 'SKIPPED_SUBSCRIPTION_CREATION']).optional(),
  subscription: subscriptionSchema.optional().describe('The initial subscription (the first, when several products have a customer journey)'),
  checkoutUrl: z.string().optional().describe('When the initial subscription waits for payment: the hosted checkout'),
  subscriptionError: z.object({ code: z.string(), message: z.string() }).optional().describe('Why the initial subscription was not created (the customer was)'),
};
export type InitialSubscriptionAnswer = { [K in keyof typeof initialSubscriptionFields]?: z.infer<(typeof initialSubscriptionFields)[K]> };

export const provisionCustomerResponseSchema = z.object({ customer: customerSchema, ...initialSubscriptionFields });

// archiveCustomer's answer: the same for every archive request of the customer, the first and any later one.
export const archiveCustomerResponseSchema = z.object({
  customerId: z.string(),
  archivedAt: z.iso.datetime().describe('When the customer was archived (its personal data removed)'),
});
