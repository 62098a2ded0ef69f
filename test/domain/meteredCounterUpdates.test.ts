import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MeterDefinition } from '../../src/domain/catalog/catalogDocument';
import { NEVER_RESETS } from '../../src/domain/usage/counterPeriod';
import { exactDecimalSum } from '../../src/domain/usage/exactDecimal';
import { meterMatches, type MeterFilter } from '../../src/domain/usage/meterFilters';
import { meteredCounterUpdates, resolveCounterChanges, type MeteredFeature, type UsagePeriodSetting } from '../../src/domain/usage/meteredCounterUpdates';
import type { RawEvent } from '../../src/domain/usage/rawEventInput';

const meter = (aggregation: MeterDefinition['aggregation'], filters: MeterFilter[] = [], eventName = 'api_call'): MeterDefinition => ({
  id: `meter-${aggregation.function}`,
  featureId: `feature-${aggregation.function}`,
  eventName,
  filters,
  aggregation,
});
let sequence = 0;
const event = (dimensions: RawEvent['dimensions'] = {}, fields: Partial<RawEvent> = {}): RawEvent => ({
  customerId: 'customer-1',
  resourceKey: '',
  eventName: 'api_call',
  idempotencyKey: `k${sequence++}`,
  dimensions,
  timestamp: new Date('2026-11-27T10:00:00.000Z'),
  ...fields,
});
const matches = (filter: MeterFilter, dimensions: RawEvent['dimensions']) => meterMatches(meter({ function: 'COUNT' }, [filter]), event(dimensions));
const incremental = (m: MeterDefinition): MeteredFeature => ({ meter: m, meterType: 'Incremental' });
const noSetting = () => undefined;

describe('meter filters', () => {
  it('EQUALS and IN match any of their values, by type and value; NOT_EQUALS and NOT_IN are their negation, missing dimension included', () => {
    const equals = (values: MeterFilter['values'], value?: string | number | boolean) => ({
      EQUALS: matches({ dimension: 'd', operator: 'EQUALS', values }, value === undefined ? {} : { d: value }),
      IN: matches({ dimension: 'd', operator: 'IN', values }, value === undefined ? {} : { d: value }),
      NOT_EQUALS: matches({ dimension: 'd', operator: 'NOT_EQUALS', values }, value === undefined ? {} : { d: value }),
      NOT_IN: matches({ dimension: 'd', operator: 'NOT_IN', values }, value === undefined ? {} : { d: value }),
    });
    expect(equals(['ok'], 'ok')).toEqual({ EQUALS: true, IN: true, NOT_EQUALS: false, NOT_IN: false });
    expect(equals(['ok', 'error'], 'error')).toEqual({ EQUALS: true, IN: true, NOT_EQUALS: false, NOT_IN: false });
    expect(equals(['ok'], 'other')).toEqual({ EQUALS: false, IN: false, NOT_EQUALS: true, NOT_IN: true });
    expect(equals([1], '1')).toEqual({ EQUALS: false, IN: false, NOT_EQUALS: true, NOT_IN: true });
    expect(equals([true], true)).toEqual({ EQUALS: true, IN: true, NOT_EQUALS: false, NOT_IN: false });
    expect(equals(['ok'])).toEqual({ EQUALS: false, IN: false, NOT_EQUALS: true, NOT_IN: true });
  });

  it('EXISTS and NOT_EXISTS look at the dimension only', () => {
    expect(matches({ dimension: 'd', operator: 'EXISTS', values: [] }, { d: false })).toBe(true);
    expect(matches({ dimension: 'd', operator: 'EXISTS', values: [] }, { other: 1 })).toBe(false);
    expect(matches({ dimension: 'd', operator: 'NOT_EXISTS', values: [] }, { other: 1 })).toBe(true);
    // An inherited name is not a dimension.
    expect(matches({ dimension: 'toString', operator: 'EXISTS', values: [] }, {})).toBe(false);
  });

  it('GT, GTE, LT and LTE compare numbers only', () => {
    const compare = (operator: 'GT' | 'GTE' | 'LT' | 'LTE', value: string | number, values: MeterFilter['values'] = [10]) =>
      matches({ dimension: 'd', operator, values }, { d: value });
    expect([compare('GT', 11), compare('GT', 10), compare('GTE', 10), compare('GTE', 9.99)]).toEqual([true, false, true, false]);
    expect([compare('LT', 9), compare('LT', 10), compare('LTE', 10), compare('LTE', 10.01)]).toEqual([true, false, true, false]);
    expect([compare('GT', '11'), compare('GT', 11, ['10']), compare('LT', 'a', ['b'])]).toEqual([false, false, false]);
    expect(matches({ dimension: 'd', operator: 'GT', values: [10] }, {})).toBe(false);
  });

  it('a meter needs its event name and all its filters', () => {
    const filtered = meter({ function: 'COUNT' }, [
      { dimension: 'status', operator: 'NOT_EQUALS', values: ['error'] },
      { dimension: 'bytes', operator: 'GT', values: [0] },
    ]);
    expect(meterMatches(filtered, event({ status: 'ok', bytes: 1 }))).toBe(true);
    expect(meterMatches(filtered, event({ status: 'error', bytes: 1 }))).toBe(false);
    expect(meterMatches(filtered, event({ status: 'ok', bytes: 0 }))).toBe(false);
    expect(meterMatches(filtered, event({ status: 'ok', bytes: 1 }, { eventName: 'other' }))).toBe(false);
  });
});

describe('exact decimal sums', () => {
  it('adds the decimals JSON holds, not their binary approximations', () => {
    expect(exactDecimalSum([0.1, 0.2])).toBe('3e-1');
    expect(exactDecimalSum([1, 2, 3])).toBe('6');
    expect(exactDecimalSum([1e21, 1])).toBe('1000000000000000000001');
    expect(exactDecimalSum([-0.25, 0.25])).toBe('0e-2');
    expect(exactDecimalSum([5e-324, 5e-324])).toBe('10e-324');
    // Past 2^53 a running sum of integers is no longer exact: the decimal path takes over.
    expect(exactDecimalSum([2 ** 53 - 1, 2])).toBe('9007199254740993');
  });

  it('is exact for decimals of up to 15 digits (what JSON numbers usually are)', () => {
    // "De-E" (exactDecimalSum's text) in millionths.
    const inMillionths = (text: string) => {
      const [digits, exponent = '0'] = text.split('e');
      const shift = Number(exponent) + 6;
      return shift >= 0 ? BigInt(digits!) * 10n ** BigInt(shift) : BigInt(digits!) / 10n ** BigInt(-shift);
    };
    const decimal = fc.record({ digits: fc.integer({ min: -(10 ** 15) + 1, max: 10 ** 15 - 1 }), scale: fc.integer({ min: 0, max: 6 }) });
    fc.assert(
      fc.property(fc.array(decimal, { minLength: 1, maxLength: 30 }), (decimals) => {
        const values = decimals.map(({ digits, scale }) => Number(`${digits}e-${scale}`));
        const expected = decimals.reduce((sum, { digits, scale }) => sum + BigInt(digits) * 10n ** BigInt(6 - scale), 0n);
        expect(inMillionths(exactDecimalSum(values))).toBe(expected);
      }),
    );
  });

  it('is exact for integers of any size', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), { maxLength: 50 }), (values) => {
        expect(BigInt(exactDecimalSum(values))).toBe(values.reduce((sum, value) => sum + BigInt(value), 0n));
      }),
    );
  });
});

describe('counter updates from a batch of events', () => {
  it('COUNT adds one per matching event, SUM the field when it is a number, MAX and MIN keep the extreme', () => {
    const features = [
      incremental(meter({ function: 'COUNT' })),
      incremental(meter({ function: 'SUM', field: 'bytes' })),
      incremental(meter({ function: 'MAX', field: 'bytes' })),
      incremental(meter({ function: 'MIN', field: 'bytes' })),
    ];
    const events = [event({ bytes: 0.1 }), event({ bytes: 0.2 }), event({ bytes: -3 }), event({ bytes: '7' }), event({})];
    const tallies = Object.fromEntries(meteredCounterUpdates(events, features, noSetting).map((update) => [update.counter.featureId, update.tally]));
    expect(tallies).toEqual({
      'feature-COUNT': { kind: 'ADD', amount: '5' },
      'feature-SUM': { kind: 'ADD', amount: '-27e-1' },
      'feature-MAX': { kind: 'MAX', amount: '0.2' },
      'feature-MIN': { kind: 'MIN', amount: '-3' },
    });
  });

  it('UNIQUE lists the distinct values of its field, by type: 1 and "1" are two values', () => {
    const unique = incremental(meter({ function: 'UNIQUE', field: 'user' }));
    const events = [event({ user: 'a' }), event({ user: 'a' }), event({ user: 1 }), event({ user: '1' }), event({ user: true }), event({ other: 'x' })];
    const [update] = meteredCounterUpdates(events, [unique], noSetting);
    expect(update!.tally).toEqual({ kind: 'UNIQUE', values: ['"1"', '"a"', '1', 'true'] });
    // Only the values the period had not seen count.
    expect(resolveCounterChanges([update!], () => 2)).toEqual([{ counter: update!.counter, period: update!.period, kind: 'ADD', amount: '2' }]);
    expect(resolveCounterChanges([update!], () => 0)).toEqual([]);
  });

  it('an event without a usable field, or that no meter matches, changes no counter', () => {
    const sum = incremental(meter({ function: 'SUM', field: 'bytes' }, [{ dimension: 'status', operator: 'EQUALS', values: ['ok'] }]));
    expect(meteredCounterUpdates([event({ bytes: 'many', status: 'ok' }), event({ bytes: 5, status: 'error' }), event({ bytes: 5 }, { eventName: 'other' })], [sum], noSetting)).toEqual([]);
    // A SUM of zero moves nothing.
    expect(resolveCounterChanges(meteredCounterUpdates([event({ bytes: 0, status: 'ok' })], [sum], noSetting), () => 0)).toEqual([]);
  });

  it('counts each event in the period its timestamp falls in, per customer and resource; never-resetting meters have one period', () => {
    const count = meter({ function: 'COUNT' });
    const monthly: UsagePeriodSetting = { resetPeriod: 'MONTH', usagePeriodAnchor: new Date('2026-01-15T00:00:00.000Z') };
    const events = [
      event({}, { timestamp: new Date('2026-11-14T23:59:59.999Z') }),
      event({}, { timestamp: new Date('2026-11-15T00:00:00.000Z') }),
      event({}, { timestamp: new Date('2026-11-20T00:00:00.000Z') }),
      event({}, { timestamp: new Date('2026-11-20T00:00:00.000Z'), resourceKey: 'site-1' }),
      event({}, { timestamp: new Date('2026-11-20T00:00:00.000Z'), customerId: 'customer-0' }),
    ];
    const settingOf = (counter: { customerId: string }) => (counter.customerId === 'customer-1' ? monthly : undefined);
    const summary = (features: MeteredFeature[]) =>
      meteredCounterUpdates(events, features, settingOf).map((u) => [u.counter.customerId, u.counter.resourceKey, u.period.start.toISOString(), u.tally]);
    expect(summary([incremental(count)])).toEqual([
      // No entitlement yet: the counter never resets. Then in lock order: customer, resource, feature, period.
      ['customer-0', '', NEVER_RESETS.start.toISOString(), { kind: 'ADD', amount: '1' }],
      ['customer-1', '', '2026-10-15T00:00:00.000Z', { kind: 'ADD', amount: '1' }],
      ['customer-1', '', '2026-11-15T00:00:00.000Z', { kind: 'ADD', amount: '2' }],
      ['customer-1', 'site-1', '2026-11-15T00:00:00.000Z', { kind: 'ADD', amount: '1' }],
    ]);
    // A fluctuating meter (seats) never resets, whatever the entitlement says.
    expect(summary([{ meter: count, meterType: 'Fluctuating' }]).map(([customer, resource, start]) => [customer, resource, start])).toEqual([
      ['customer-0', '', NEVER_RESETS.start.toISOString()],
      ['customer-1', '', NEVER_RESETS.start.toISOString()],
      ['customer-1', 'site-1', NEVER_RESETS.start.toISOString()],
    ]);
  });
});
