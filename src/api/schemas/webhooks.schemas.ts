import { z } from 'zod';

// What the route reads of a Stripe Event once its signature is verified; the rest of the event is Stripe's.
export const stripeEventSchema = z
  .looseObject({
    id: z.string().min(1).max(255),
    type: z.string().min(1).max(255),
    created: z.number().int().nonnegative(),
    data: z.looseObject({ object: z.looseObject({}) }),
  })
  .describe('A Stripe Event, sent by Stripe and signed with the endpoint secret (`Stripe-Signature` header)');

export const webhookReceiptSchema = z.object({
  received: z.literal(true),
  eventId: z.string(),
  outcome: z
    .enum(['delivered', 'unrouted', 'ignored'])
    .describe("`delivered` to the subscription's workflow, `unrouted` (no live Tollgate subscription for it), `ignored` (a type Tollgate does not use)"),
  duplicate: z.boolean().describe('true when this event was already handled: nothing was applied again'),
});
