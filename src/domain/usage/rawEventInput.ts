import { z } from 'zod';
import { identifierSchema } from '../input/identifier';

// What POST /v1/events accepts: one event, or an array of up to 1,000 (one transaction; a bad item refuses them all).
export const MAX_EVENTS_PER_REQUEST = 1_000;
export const MAX_DIMENSIONS = 50;
export const MAX_DIMENSION_NAME_LENGTH = 100;
export const MAX_DIMENSION_TEXT_LENGTH = 500;
// Clocks drift: a timestamp a little ahead of ours is the caller's clock, further ahead is a mistake.
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
export const EARLIEST_TIMESTAMP = Date.UTC(2000, 0, 1);

export type DimensionValue = string | number | boolean;
export type Dimensions = Record<string, DimensionValue>;

// An event as stored and metered: `resourceKey` is the resource id, or '' for none.
export type RawEvent = {
  customerId: string;
  resourceKey: string;
  eventName: string;
  idempotencyKey: string;
  dimensions: Dimensions;
  timestamp: Date;
};

const dimensionValueSchema = z.union([z.string().max(MAX_DIMENSION_TEXT_LENGTH), z.number(), z.boolean()], {
  error: 'must be a string, number or boolean (dimensions are flat: no objects, arrays or null)',
});

const dimensionsSchema = z
  .record(z.string().min(1).max(MAX_DIMENSION_NAME_LENGTH), dimensionValueSchema, {
    error: (issue) =>
      issue.code === 'invalid_key'
        ? `dimension names are 1 to ${MAX_DIMENSION_NAME_LENGTH} characters`
        : 'must be an object of string, number or boolean values',
  })
  .refine((dimensions) => Object.keys(dimensions).length <= MAX_DIMENSIONS, `at most ${MAX_DIMENSIONS} dimensions`);

// The timestamp's bounds need the time of the request: the caller passes its clock, so the domain reads none.
function timestampSchema(now: () => Date) {
  return z.iso
    .datetime({ offset: true, error: 'must be an ISO-8601 date-time with a time zone, e.g. "2026-11-27T09:00:00.000Z"' })
    .transform((text) => new Date(text))
    .refine((date) => date.getTime() >= EARLIEST_TIMESTAMP, 'must not be before the year 2000')
    .refine((date) => date.getTime() <= now().getTime() + MAX_CLOCK_SKEW_MS, 'must not be more than 5 minutes in the future');
}

export function rawEventSchema(now: () => Date) {
  return z.strictObject({
    customerId: identifierSchema(255),
    resourceId: identifierSchema(255).optional(),
    eventName: z.string().min(1).max(200),
    idempotencyKey: z.string().min(1).max(200),
    dimensions: dimensionsSchema.default({}),
    timestamp: timestampSchema(now).optional(),
  });
}

export type RawEventInput = z.output<ReturnType<typeof rawEventSchema>>;

export function rawEventBatchSchema(now: () => Date) {
  return z
    .array(rawEventSchema(now))
    .min(1, 'send at least one event')
    .max(MAX_EVENTS_PER_REQUEST, `at most ${MAX_EVENTS_PER_REQUEST.toLocaleString('en')} events per request`);
}

// An event without a timestamp happened when it arrived.
export function toRawEvent(input: RawEventInput, receivedAt: Date): RawEvent {
  return {
    customerId: input.customerId,
    resourceKey: input.resourceId ?? '',
    eventName: input.eventName,
    idempotencyKey: input.idempotencyKey,
    dimensions: input.dimensions,
    timestamp: input.timestamp ?? receivedAt,
  };
}
