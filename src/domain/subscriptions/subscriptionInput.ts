import { z } from 'zod';
import { customerIdSchema, subscriptionParamsSchema } from '../customers/customerInput';
import { identifierSchema } from '../input/identifier';

// provisionSubscription's body: the seed's subscription fields plus the customer.
export const provisionSubscriptionSchema = subscriptionParamsSchema.extend({ customerId: customerIdSchema });
export type ProvisionSubscriptionInput = z.infer<typeof provisionSubscriptionSchema>;

export const subscriptionIdSchema = identifierSchema(255);

// cancelSubscription. Today a cancellation takes effect at once; scheduled cancellations arrive with the lifecycle work.
export const cancelSubscriptionSchema = z.strictObject({
  subscriptionCancellationTime: z.enum(['IMMEDIATE', 'END_OF_BILLING_PERIOD', 'SPECIFIC_DATE']).default('IMMEDIATE'),
  endDate: z.union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'must be an ISO-8601 date or date-time' }).optional(),
  prorate: z.boolean().optional(),
});
