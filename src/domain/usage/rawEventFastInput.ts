import { z } from 'zod';
import { identifierProblem } from '../input/identifier';
import {
  EARLIEST_TIMESTAMP,
  MAX_CLOCK_SKEW_MS,
  MAX_DIMENSION_NAME_LENGTH,
  MAX_DIMENSION_TEXT_LENGTH,
  MAX_DIMENSIONS,
  MAX_EVENTS_PER_REQUEST,
  type Dimensions,
  type RawEventInput,
} from './rawEventInput';

// The same pattern zod's z.iso.datetime({ offset: true }) checks (rawEventSchema's timestamp).
const ISO_DATETIME_WITH_OFFSET = z.core.regexes.datetime({ offset: true, local: false, precision: null });
const FIELDS = new Set(['customerId', 'resourceId', 'eventName', 'idempotencyKey', 'dimensions', 'timestamp']);
// Printable ASCII is NFC and has no space, control or invisible character: only the URL-breaking ones remain to refuse.
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
const URL_BREAKING = /[/?#%\\]/;

// A JSON object as JSON.parse makes it (zod's object and record schemas read other objects in ways of their own).
const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

function isIdentifier(value: unknown, maxLength: number): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) return false;
  if (PRINTABLE_ASCII.test(value)) return !URL_BREAKING.test(value);
  return identifierProblem(value) === undefined;
}

const isBoundedText = (value: unknown, maxLength: number): value is string => typeof value === 'string' && value.length >= 1 && value.length <= maxLength;

function flatDimensions(value: unknown): Dimensions | undefined {
  if (!isPlainObject(value)) return undefined;
  const names = Object.keys(value);
  if (names.length > MAX_DIMENSIONS) return undefined;
  const dimensions: Dimensions = {};
  for (const name of names) {
    // "__proto__" cannot be a key of the result (zod drops it): left to the schema, as is anything unusual.
    if (name.length === 0 || name.length > MAX_DIMENSION_NAME_LENGTH || name === '__proto__') return undefined;
    const member = value[name];
    if (typeof member === 'string') {
      if (member.length > MAX_DIMENSION_TEXT_LENGTH) return undefined;
    } else if (typeof member === 'number') {
      if (!Number.isFinite(member)) return undefined;
    } else if (typeof member !== 'boolean') return undefined;
    dimensions[name] = member;
  }
  return dimensions;
}

function timestampOf(value: unknown, latest: number): Date | undefined {
  if (typeof value !== 'string' || !ISO_DATETIME_WITH_OFFSET.test(value)) return undefined;
  const date = new Date(value);
  const time = date.getTime();
  return time >= EARLIEST_TIMESTAMP && time <= latest ? date : undefined;
}

function eventOf(item: unknown, latest: number): RawEventInput | undefined {
  if (!isPlainObject(item)) return undefined;
  for (const field in item) if (!FIELDS.has(field) || item[field] === undefined) return undefined;
  const { customerId, resourceId, eventName, idempotencyKey } = item;
  if (!isIdentifier(customerId, 255) || !isBoundedText(eventName, 200) || !isBoundedText(idempotencyKey, 200)) return undefined;
  if (resourceId !== undefined && !isIdentifier(resourceId, 255)) return undefined;
  const dimensions = item.dimensions === undefined ? {} : flatDimensions(item.dimensions);
  if (!dimensions) return undefined;
  const timestamp = item.timestamp === undefined ? undefined : timestampOf(item.timestamp, latest);
  if (item.timestamp !== undefined && !timestamp) return undefined;
  // Fields in the schema's order, present as the schema would make them.
  const event: RawEventInput = { customerId } as RawEventInput;
  if (resourceId !== undefined) event.resourceId = resourceId;
  event.eventName = eventName;
  event.idempotencyKey = idempotencyKey;
  event.dimensions = dimensions;
  if (timestamp) event.timestamp = timestamp;
  return event;
}

// rawEventBatchSchema(now)'s parse of a batch in one plain loop, for the common case of a valid batch (zod costs
// ~10 ms per 1,000 events). Undefined whenever anything is off: the caller then parses with the schema, whose
// issues name the field and the item. A property test keeps both accepting the same input and giving the same values.
export function parseValidRawEvents(items: readonly unknown[], now: Date): RawEventInput[] | undefined {
  if (items.length === 0 || items.length > MAX_EVENTS_PER_REQUEST) return undefined;
  const latest = now.getTime() + MAX_CLOCK_SKEW_MS;
  const events: RawEventInput[] = new Array(items.length);
  for (let index = 0; index < items.length; index++) {
    const event = eventOf(items[index], latest);
    if (!event) return undefined;
    events[index] = event;
  }
  return events;
}
