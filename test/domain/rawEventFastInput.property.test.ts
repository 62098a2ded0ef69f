import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseValidRawEvents } from '../../src/domain/usage/rawEventFastInput';
import { rawEventBatchSchema } from '../../src/domain/usage/rawEventInput';

const NOW = new Date('2026-11-27T12:00:00.000Z');
const schema = rawEventBatchSchema(() => NOW);

// Text around every bound and through every class of character the schema treats apart (spaces, URL-breaking,
// invisible, decomposed accents, astral, NUL).
const character = fc.constantFrom('a', 'Z', '0', '-', '_', '.', ':', ' ', '/', '?', '#', '%', '\\', '\t', '\u0000', '\u200d', 'é', 'e\u0301', '😀', '\ud800');
const text = fc.oneof(
  fc.array(character, { maxLength: 6 }).map((parts) => parts.join('')),
  fc.constantFrom(0, 1, 99, 100, 101, 199, 200, 201, 254, 255, 256, 499, 500, 501).map((length) => 'x'.repeat(length)),
);
const dimensionValue = fc.oneof(text, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(['a']), fc.constant({ nested: 1 }), fc.constant(-0));
const dimensionName = fc.oneof(text, fc.constantFrom('__proto__', 'constructor', 'toString', '1', 'status'));
const dimensions = fc.oneof(
  fc.dictionary(dimensionName, dimensionValue, { maxKeys: 4 }),
  fc.constantFrom(49, 50, 51).map((count) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`d${i}`, i]))),
  fc.constantFrom(null, 'user=1', [], 3),
);
const timestamp = fc.oneof(
  fc.date({ min: new Date('1999-12-31T23:00:00Z'), max: new Date('2026-11-27T13:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString()),
  fc.constantFrom(
    '2026-11-27T12:05:00.000Z',
    '2026-11-27T12:05:00.001Z',
    '2000-01-01T00:00:00.000Z',
    '1999-12-31T23:59:59.999Z',
    '2026-11-27T13:04:00+01:00',
    '2026-11-27T10:00:00',
    '2026-02-29T00:00:00Z',
    '2024-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-11-27T10:00Z',
    'yesterday',
  ),
  fc.constantFrom(1764237600000, null),
);
const identifier = fc.oneof(text, fc.constantFrom('customer-1', 'site-1', 'ÉCOLE', 'cust:42'));
const event = fc.record(
  {
    customerId: identifier,
    resourceId: identifier,
    eventName: text,
    idempotencyKey: text,
    dimensions,
    timestamp,
    unexpected: fc.constant(1),
  },
  { requiredKeys: [] },
);
// Mostly the common case: the three required fields, valid, plus any of the others.
const likelyEvent = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.nat(), event).map(([n, rest]) => ({ customerId: `c-${n}`, eventName: 'api_call', idempotencyKey: `k-${n}`, ...rest })) },
  { weight: 1, arbitrary: event },
);
const anything = fc.oneof(fc.constant(null), fc.constant('event'), fc.constant(1), fc.constant([]));

// Bodies are what JSON.parse makes: a round trip through JSON keeps the inputs to those.
const asJson = (value: unknown): unknown[] => JSON.parse(JSON.stringify(value)) as unknown[];

describe('the fast path of raw event input', () => {
  it('accepts exactly the batches the schema accepts, and parses them to the same values', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 20, arbitrary: likelyEvent }, { weight: 1, arbitrary: anything }), { maxLength: 5 }), (events) => {
        const batch = asJson(events);
        const fast = parseValidRawEvents(batch, NOW);
        const parsed = schema.safeParse(batch);
        // The one valid input the fast path leaves to the schema: a "__proto__" dimension name (zod drops it).
        const leftToSchema = parsed.success && fast === undefined && JSON.stringify(batch).includes('"__proto__"');
        expect(fast !== undefined || leftToSchema).toBe(parsed.success);
        if (parsed.success && fast !== undefined) expect(fast).toStrictEqual(parsed.data);
      }),
      { numRuns: 3_000 },
    );
  });

  it('takes a full batch of common events, and leaves one too many to the schema', () => {
    const batch = (count: number) =>
      asJson(Array.from({ length: count }, (_, i) => ({ customerId: `c-${i % 7}`, eventName: 'api_call', idempotencyKey: `k-${i}`, dimensions: { status: 'ok', bytes: i }, timestamp: '2026-11-27T11:00:00Z' })));
    expect(parseValidRawEvents(batch(1_000), NOW)).toStrictEqual(schema.parse(batch(1_000)));
    expect(parseValidRawEvents(batch(1_001), NOW)).toBeUndefined();
    expect(parseValidRawEvents([], NOW)).toBeUndefined();
  });
});
