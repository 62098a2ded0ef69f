import { describe, expect, it } from 'vitest';
import { toErrorDetails } from '../../src/api/validate';
import { rawEventBatchSchema, rawEventSchema, toRawEvent } from '../../src/domain/usage/rawEventInput';

const NOW = new Date('2026-11-27T12:00:00.000Z');
const clock = () => NOW;
const event = (fields: Record<string, unknown> = {}) => ({ customerId: 'customer-1', eventName: 'api_call', idempotencyKey: 'key-1', ...fields });

// The first issue of a batch, as the API names it.
function firstIssue(batch: unknown[]) {
  const result = rawEventBatchSchema(clock).safeParse(batch);
  if (result.success) return undefined;
  return toErrorDetails(result.error.issues)[0];
}
const badItem = (fields: Record<string, unknown>, index = 2) => firstIssue([event(), event(), event(), event()].map((item, i) => (i === index ? { ...item, ...fields } : item)));

describe('raw event input', () => {
  it('accepts an event with a resource, flat dimensions and a timestamp; dimensions default to none', () => {
    const parsed = rawEventSchema(clock).parse(event({ resourceId: 'site-1', dimensions: { user: 'u-1', bytes: 12.5, ok: true }, timestamp: '2026-11-27T11:00:00+01:00' }));
    expect(toRawEvent(parsed, NOW)).toEqual({
      customerId: 'customer-1',
      resourceKey: 'site-1',
      eventName: 'api_call',
      idempotencyKey: 'key-1',
      dimensions: { user: 'u-1', bytes: 12.5, ok: true },
      timestamp: new Date('2026-11-27T10:00:00.000Z'),
    });
    // No resource is the key '', no timestamp is the time of arrival.
    expect(toRawEvent(rawEventSchema(clock).parse(event()), NOW)).toMatchObject({ resourceKey: '', dimensions: {}, timestamp: NOW });
  });

  it('requires customerId, eventName and idempotencyKey, naming the item by its index', () => {
    for (const field of ['customerId', 'eventName', 'idempotencyKey']) {
      expect(badItem({ [field]: undefined })?.field).toBe(`[2].${field}`);
    }
    expect(badItem({ idempotencyKey: '' })?.field).toBe('[2].idempotencyKey');
    expect(badItem({ customerId: 'has space' })?.field).toBe('[2].customerId');
    expect(badItem({ unexpected: 1 })?.field).toBe('[2].unexpected');
  });

  it('refuses dimensions that are not flat, naming the dimension', () => {
    expect(badItem({ dimensions: { user: { id: 1 } } })).toEqual({ field: '[2].dimensions.user', message: expect.stringContaining('flat') });
    expect(badItem({ dimensions: { tags: ['a'] } })?.field).toBe('[2].dimensions.tags');
    expect(badItem({ dimensions: { user: null } })?.field).toBe('[2].dimensions.user');
    expect(badItem({ dimensions: 'user=1' })?.field).toBe('[2].dimensions');
  });

  it('bounds dimensions: their number, name length and text length', () => {
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`d${i}`, i]));
    expect(badItem({ dimensions: many })).toEqual({ field: '[2].dimensions', message: 'at most 50 dimensions' });
    expect(badItem({ dimensions: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`d${i}`, i])) })).toBeUndefined();
    expect(badItem({ dimensions: { ['n'.repeat(101)]: 1 } })?.message).toBe('dimension names are 1 to 100 characters');
    expect(badItem({ dimensions: { '': 1 } })?.message).toBe('dimension names are 1 to 100 characters');
    expect(badItem({ dimensions: { user: 'x'.repeat(501) } })?.field).toBe('[2].dimensions.user');
    expect(badItem({ dimensions: { user: 'x'.repeat(500) } })).toBeUndefined();
  });

  it('takes timestamps from the year 2000 up to 5 minutes ahead of the clock, with a time zone', () => {
    expect(badItem({ timestamp: '2026-11-27T12:05:00.000Z' })).toBeUndefined();
    expect(badItem({ timestamp: '2026-11-27T12:05:00.001Z' })).toEqual({ field: '[2].timestamp', message: 'must not be more than 5 minutes in the future' });
    expect(badItem({ timestamp: '2000-01-01T00:00:00.000Z' })).toBeUndefined();
    expect(badItem({ timestamp: '1999-12-31T23:59:59.999Z' })).toEqual({ field: '[2].timestamp', message: 'must not be before the year 2000' });
    for (const timestamp of ['2026-11-27T10:00:00', 'yesterday', 1764237600000, '2026-13-01T00:00:00Z']) {
      expect(badItem({ timestamp })?.field).toBe('[2].timestamp');
    }
  });

  it('takes 1 to 1,000 events per batch', () => {
    expect(firstIssue([])).toEqual({ field: 'body', message: 'send at least one event' });
    expect(firstIssue(Array.from({ length: 1_000 }, (_, i) => event({ idempotencyKey: `k${i}` })))).toBeUndefined();
    expect(firstIssue(Array.from({ length: 1_001 }, (_, i) => event({ idempotencyKey: `k${i}` })))).toEqual({ field: 'body', message: 'at most 1,000 events per request' });
  });
});
