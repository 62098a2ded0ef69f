import { z } from 'zod';
import { provisionSubscriptionSchema } from './subscriptionInput';
import { updateSubscriptionSchema } from './subscriptionUpdate';

// estimateSubscription's body: the contract's fields, each validated as provisionSubscription validates it.
export const estimateSubscriptionSchema = provisionSubscriptionSchema
  .pick({
    customerId: true, planId: true, billingPeriod: true, unitQuantity: true, billableFeatures: true, addons: true,
    billingInformation: true, promotionCode: true, startDate: true, billingCountryCode: true, resourceId: true,
  })
  .strict();
export type EstimateSubscriptionInput = z.infer<typeof estimateSubscriptionSchema>;

// estimateSubscriptionUpdate's body: the billed fields of updateSubscription, validated the same way.
export const estimateSubscriptionUpdateSchema = updateSubscriptionSchema.pick({ billableFeatures: true, unitQuantity: true, addons: true, promotionCode: true }).strict();
export type EstimateSubscriptionUpdateInput = z.infer<typeof estimateSubscriptionUpdateSchema>;
