import { z } from 'zod';
import { customerIdSchema } from '../../domain/customers/customerInput';
import { slimSubscriptionSchema } from '../../domain/subscriptions/subscription';
import { subscriptionIdSchema } from '../../domain/subscriptions/subscriptionInput';
import { identifierSchema } from '../../domain/input/identifier';

// Request bodies: src/domain/subscriptions/subscriptionInput.ts; the subscription: src/domain/subscriptions/subscription.ts.
export const subscriptionPathSchema = z.object({ subscriptionId: subscriptionIdSchema });
export const customerSubscriptionsPathSchema = z.object({ customerId: customerIdSchema });
export const customerSubscriptionsQuerySchema = z.object({ resourceId: identifierSchema(255).optional() });
export const activeSubscriptionsSchema = z.array(slimSubscriptionSchema);
