import { z } from 'zod';
import { customerIdSchema } from '../../domain/customers/customerInput';
import { SUBSCRIPTION_STATUSES, slimSubscriptionSchema } from '../../domain/subscriptions/subscription';
import { SUBSCRIPTION_TRANSITIONS, TRANSITION_CAUSE_KINDS } from '../../domain/subscriptions/subscriptionHistory';
import { subscriptionIdSchema } from '../../domain/subscriptions/subscriptionInput';
import { identifierSchema } from '../../domain/input/identifier';

// Request bodies: src/domain/subscriptions/subscriptionInput.ts; the subscription: src/domain/subscriptions/subscription.ts.
export const subscriptionPathSchema = z.object({ subscriptionId: subscriptionIdSchema });
export const customerSubscriptionsPathSchema = z.object({ customerId: customerIdSchema });
export const customerSubscriptionsQuerySchema = z.object({ resourceId: identifierSchema(255).optional() });
export const activeSubscriptionsSchema = z.array(slimSubscriptionSchema);

const HISTORY_PAGE_MAX = 500;
export const subscriptionHistoryQuerySchema = z.strictObject({
  after: z.string().regex(/^\d{1,15}$/, 'must be an entry id from a previous page').transform(Number).optional().describe('The `nextAfter` of the previous page'),
  limit: z
    .string()
    .regex(/^\d{1,3}$/, `must be a whole number from 1 to ${HISTORY_PAGE_MAX}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= HISTORY_PAGE_MAX, `must be a whole number from 1 to ${HISTORY_PAGE_MAX}`)
    .optional()
    .describe('Entries per page (default 100)'),
});

export const subscriptionHistoryEntrySchema = z.object({
  id: z.string().describe('Increases with each entry; pass the last one seen as `after` to read on'),
  occurredAt: z.iso.datetime(),
  transition: z.enum(SUBSCRIPTION_TRANSITIONS),
  fromStatus: z.enum(SUBSCRIPTION_STATUSES).nullable().describe('null on the entry that created it'),
  toStatus: z.enum(SUBSCRIPTION_STATUSES),
  cause: z.enum(TRANSITION_CAUSE_KINDS).describe('API: a caller\'s request; TIMER: a durable timer; WEBHOOK: a provider event; PROVIDER_POLL: asking the provider; SYSTEM: Tollgate itself'),
  causeDetail: z.string().nullable().describe('The API operation (and Idempotency-Key), the timer, or the webhook event type and id'),
  changes: z.record(z.string(), z.object({ before: z.unknown(), after: z.unknown() })).describe('The subscription fields this transition changed (on creation: every field set)'),
});

export const subscriptionHistorySchema = z.object({
  subscriptionId: z.string(),
  entries: z.array(subscriptionHistoryEntrySchema).describe('Oldest first'),
  nextAfter: z.string().nullable().describe('More entries follow: pass this as `after`; null on the last page'),
});
