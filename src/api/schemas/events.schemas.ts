import { z } from 'zod';
import { parseValidRawEvents } from '../../domain/usage/rawEventFastInput';
import { rawEventBatchSchema, rawEventSchema } from '../../domain/usage/rawEventInput';
import { parseInput } from '../validate';

// Request bodies check timestamps against the time of the request.
const clock = () => new Date();
const oneEventSchema = rawEventSchema(clock).describe('One event');
const eventBatchSchema = rawEventBatchSchema(clock).describe('Up to 1,000 events, accepted or refused together');

// POST /v1/events: one event, or an array of them.
export const reportEventsBodySchema = z.union([oneEventSchema, eventBatchSchema]);

// Parsed by the body's own shape, so an issue is named with its item's index ("[3].dimensions.user"), not lost in
// a union's alternatives. A valid body takes the plain loop; anything it refuses goes through the schema for its answer.
export async function readReportEventsBody(raw: unknown) {
  const fast = parseValidRawEvents(Array.isArray(raw) ? raw : [raw], clock());
  if (fast) return fast;
  return Array.isArray(raw) ? parseInput(eventBatchSchema, raw) : [parseInput(oneEventSchema, raw)];
}

export const reportEventsResponseSchema = z.object({
  accepted: z.number().int().describe('Events stored and counted by their meters now'),
  duplicates: z.number().int().describe('Events already received (same customer, resource, event name and idempotency key), or repeated in this request: counted once'),
});
