import { z } from 'zod';
import { customerIdSchema } from '../../domain/customers/customerInput';
import { parseEventId } from '../../domain/outboxPosition';

export const EVENT_ID_MESSAGE = 'must be an event id of this stream ("<transaction>-<id>", as sent in `id:`)';

export const eventIdSchema = z
  .string()
  .regex(/^\d{1,20}-\d{1,16}$/, { message: EVENT_ID_MESSAGE, abort: true })
  .refine((text) => parseEventId(text) !== undefined, EVENT_ID_MESSAGE)
  .transform((text) => parseEventId(text)!);

export const streamQuerySchema = z.strictObject({
  customerId: customerIdSchema.optional(),
  // For clients that cannot set the Last-Event-ID header; the header wins when both are sent (a reconnecting EventSource sends its newer id there).
  lastEventId: eventIdSchema.optional(),
});
