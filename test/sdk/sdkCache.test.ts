import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../packages/node-sdk/src/backoff';
import { applyStreamedGrants, applyUsage, evaluateCached, fromEntitlementList, rememberDenial } from '../../packages/node-sdk/src/customerEntitlements';
import { fallbackEntitlement } from '../../packages/node-sdk/src/fallback';
import { LruCache } from '../../packages/node-sdk/src/lruCache';
import { createSseParser, type SseEvent } from '../../packages/node-sdk/src/sseParser';
import type { EntitlementFeature, MeteredEntitlement } from '../../packages/node-sdk/src/types';
import type { WireEntitlement } from '../../packages/node-sdk/src/wire';

// The SDK's pure parts: the byte-bounded LRU, local evaluation of cached entitlements, stream updates, SSE parsing.
const feature = (id: string, featureType: 'BOOLEAN' | 'NUMBER', meterType: EntitlementFeature['meterType'] = 'None'): EntitlementFeature => ({ id, displayName: id, featureType, meterType, units: null, unitsPlural: null });
const sso = feature('feature-sso', 'BOOLEAN');
const projects = feature('feature-projects', 'NUMBER');
const calls = feature('feature-api-calls', 'NUMBER', 'Incremental');
const seats = feature('feature-seats', 'NUMBER', 'Fluctuating');
const start = '2026-11-01T00:00:00.000Z';
const end = '2026-12-01T00:00:00.000Z';
const now = Date.parse('2026-11-15T00:00:00.000Z');

const list: WireEntitlement[] = [
  { hasAccess: true, isFallback: false, type: 'BOOLEAN', feature: sso },
  { hasAccess: true, isFallback: false, type: 'NUMERIC', feature: projects, value: 20, isUnlimited: false },
  { hasAccess: true, isFallback: false, type: 'METERED', feature: calls, usageLimit: 100, isUnlimited: false, hasSoftLimit: false, currentUsage: 90, requestedUsage: 0, resetPeriod: 'MONTH' as never, usagePeriodAnchor: start, usagePeriodStart: start, usagePeriodEnd: end },
  { hasAccess: true, isFallback: false, type: 'METERED', feature: seats, usageLimit: 5, isUnlimited: false, hasSoftLimit: false, currentUsage: 2, requestedUsage: 0 },
];

describe('local evaluation', () => {
  it('answers boolean, numeric and metered checks like the service, requestedUsage included', () => {
    const entry = fromEntitlementList(list, now);
    expect(evaluateCached(entry, 'feature-sso', 'BOOLEAN', 0, now)).toMatchObject({ hasAccess: true, isFallback: false, type: 'BOOLEAN' });
    expect(evaluateCached(entry, 'feature-projects', 'NUMERIC', 0, now)).toMatchObject({ hasAccess: true, value: 20, isUnlimited: false });
    expect(evaluateCached(entry, 'feature-api-calls', 'METERED', 10, now)).toMatchObject({ hasAccess: true, currentUsage: 90, requestedUsage: 10, usageLimit: 100, usagePeriodEnd: new Date(end) });
    expect(evaluateCached(entry, 'feature-api-calls', 'METERED', 11, now)).toMatchObject({ hasAccess: false, accessDeniedReason: 'RequestedUsageExceedingLimit', requestedUsage: 11 });
    expect(evaluateCached(entry, 'feature-projects', 'BOOLEAN', 0, now)).toMatchObject({ hasAccess: false, accessDeniedReason: 'FeatureTypeMismatch', type: 'BOOLEAN' });
  });

  it('cannot answer a feature it holds nothing of, nor a metered one whose period has ended', () => {
    const entry = fromEntitlementList(list, now);
    expect(evaluateCached(entry, 'feature-analytics', 'BOOLEAN', 0, now)).toBeUndefined();
    expect(evaluateCached(entry, 'feature-api-calls', 'METERED', 1, Date.parse(end))).toBeUndefined();
    expect(evaluateCached(entry, 'feature-seats', 'METERED', 1, Date.parse(end))).toMatchObject({ hasAccess: true });
  });

  it('decides by its own copy of the period end: a caller changing the Dates it was handed changes no decision', () => {
    const entry = fromEntitlementList(list, now);
    const answer = evaluateCached(entry, 'feature-api-calls', 'METERED', 1, now) as MeteredEntitlement;
    answer.usagePeriodEnd!.setTime(0);
    expect(evaluateCached(entry, 'feature-api-calls', 'METERED', 1, now)).toMatchObject({ hasAccess: true, currentUsage: 90 });
    expect(evaluateCached(entry, 'feature-api-calls', 'METERED', 1, Date.parse(end))).toBeUndefined();
    // A usage figure's period Dates belong to whoever reported it (the answer of reportUsage, a usageUpdated payload).
    const reportedStart = new Date(end);
    const reportedEnd = new Date('2027-01-01T00:00:00.000Z');
    applyUsage(entry, 'feature-api-calls', 1, reportedStart, reportedEnd);
    reportedStart.setTime(0);
    reportedEnd.setTime(0);
    const later = Date.parse('2026-12-02T00:00:00.000Z');
    expect(evaluateCached(entry, 'feature-api-calls', 'METERED', 1, later)).toMatchObject({ currentUsage: 1, usagePeriodStart: new Date(end), usagePeriodEnd: new Date('2027-01-01T00:00:00.000Z') });
  });

  it('gives a metered answer exactly the fields of its case, every call a new object', () => {
    const entry = fromEntitlementList(
      [
        ...list,
        { hasAccess: true, isFallback: false, type: 'METERED', feature: feature('feature-unlimited', 'NUMBER', 'Incremental'), isUnlimited: true, hasSoftLimit: false, currentUsage: 4, requestedUsage: 0, resetPeriod: 'MONTH' as never, usagePeriodAnchor: start, usagePeriodStart: start, usagePeriodEnd: end },
      ],
      now,
    );
    const period = { resetPeriod: 'MONTH', usagePeriodAnchor: new Date(start), usagePeriodStart: new Date(start), usagePeriodEnd: new Date(end) };
    const common = { isFallback: false, type: 'METERED', isUnlimited: false, hasSoftLimit: false };
    const fits = evaluateCached(entry, 'feature-api-calls', 'METERED', 10, now);
    expect(fits).toStrictEqual({ hasAccess: true, ...common, feature: calls, currentUsage: 90, requestedUsage: 10, usageLimit: 100, ...period });
    expect(evaluateCached(entry, 'feature-api-calls', 'METERED', 10, now)).not.toBe(fits);
    expect(evaluateCached(entry, 'feature-api-calls', 'METERED', 11, now)).toStrictEqual({ hasAccess: false, accessDeniedReason: 'RequestedUsageExceedingLimit', ...common, feature: calls, currentUsage: 90, requestedUsage: 11, usageLimit: 100, ...period });
    expect(evaluateCached(entry, 'feature-seats', 'METERED', 1, now)).toStrictEqual({ hasAccess: true, ...common, feature: seats, currentUsage: 2, requestedUsage: 1, usageLimit: 5 });
    expect(evaluateCached(entry, 'feature-unlimited', 'METERED', 1, now)).toStrictEqual({ hasAccess: true, ...common, isUnlimited: true, feature: feature('feature-unlimited', 'NUMBER', 'Incremental'), currentUsage: 4, requestedUsage: 1, ...period });
  });

  it('keeps the denials that last until the next update, not those of unknown features', () => {
    const entry = fromEntitlementList(list, now);
    rememberDenial(entry, 'feature-analytics', 'BOOLEAN', { hasAccess: false, isFallback: false, type: 'BOOLEAN', accessDeniedReason: 'NoFeatureEntitlementInSubscription' as never });
    rememberDenial(entry, 'feature-nope', 'BOOLEAN', { hasAccess: false, isFallback: false, type: 'BOOLEAN', accessDeniedReason: 'FeatureNotFound' as never });
    expect(evaluateCached(entry, 'feature-analytics', 'BOOLEAN', 0, now)).toMatchObject({ hasAccess: false, accessDeniedReason: 'NoFeatureEntitlementInSubscription' });
    expect(evaluateCached(entry, 'feature-nope', 'BOOLEAN', 0, now)).toBeUndefined();
  });
});

describe('updates', () => {
  const known = new Map([sso, projects, calls, seats].map((f) => [f.id, f]));
  const grant = (featureId: string, amount: number | null, extra: Record<string, unknown> = {}) => ({ featureId, amount, unlimited: false, hasSoftLimit: false, resetPeriod: null, usagePeriodAnchor: null, ...extra });

  it('applies a streamed set in place, keeping usage of metered features whose period did not move', () => {
    const entry = fromEntitlementList(list, now);
    const applied = applyStreamedGrants(entry, [grant('feature-projects', 40), grant('feature-api-calls', 500, { resetPeriod: 'MONTH', usagePeriodAnchor: start }), grant('feature-seats', 9)], known, now);
    expect(applied).toBe(true);
    expect(evaluateCached(entry, 'feature-projects', 'NUMERIC', 0, now)).toMatchObject({ value: 40 });
    expect(evaluateCached(entry, 'feature-api-calls', 'METERED', 400, now)).toMatchObject({ hasAccess: true, usageLimit: 500, currentUsage: 90 });
    expect(evaluateCached(entry, 'feature-seats', 'METERED', 7, now)).toMatchObject({ hasAccess: true, usageLimit: 9, currentUsage: 2 });
    expect(evaluateCached(entry, 'feature-sso', 'BOOLEAN', 0, now)).toBeUndefined();
  });

  it('asks for a refetch when the set is empty, names an unknown feature, or moves a usage period', () => {
    expect(applyStreamedGrants(fromEntitlementList(list, now), [], known, now)).toBe(false);
    expect(applyStreamedGrants(fromEntitlementList(list, now), [grant('feature-new', null)], known, now)).toBe(false);
    expect(applyStreamedGrants(fromEntitlementList(list, now), [grant('feature-api-calls', 500, { resetPeriod: 'MONTH', usagePeriodAnchor: '2026-11-10T00:00:00.000Z' })], known, now)).toBe(false);
  });

  it('takes usage of the current or a later period, never of an earlier one', () => {
    const entry = fromEntitlementList(list, now);
    applyUsage(entry, 'feature-api-calls', 95, new Date(start), new Date(end));
    expect(evaluateCached(entry, 'feature-api-calls', 'METERED', 6, now)).toMatchObject({ hasAccess: false, currentUsage: 95 });
    applyUsage(entry, 'feature-api-calls', 3, new Date('2026-10-01T00:00:00.000Z'), new Date(start));
    expect(evaluateCached(entry, 'feature-api-calls', 'METERED', 1, now)).toMatchObject({ currentUsage: 95 });
    applyUsage(entry, 'feature-api-calls', 1, new Date(end), new Date('2027-01-01T00:00:00.000Z'));
    expect(evaluateCached(entry, 'feature-api-calls', 'METERED', 1, Date.parse('2026-12-02T00:00:00.000Z'))).toMatchObject({ currentUsage: 1, usagePeriodStart: new Date(end) });
  });
});

describe('fallbacks', () => {
  it('prefers the call\'s fallback, then the configured one, else no access, always isFallback', () => {
    expect(fallbackEntitlement('BOOLEAN', 0, { hasAccess: true }, { hasAccess: false })).toEqual({ type: 'BOOLEAN', hasAccess: true, isFallback: true });
    expect(fallbackEntitlement('NUMERIC', 0, undefined, { hasAccess: true, value: 7 })).toMatchObject({ hasAccess: true, value: 7, isFallback: true });
    expect(fallbackEntitlement('METERED', 3, undefined, undefined)).toMatchObject({ hasAccess: false, isFallback: true, requestedUsage: 3 });
  });
});

describe('LruCache', () => {
  it('stays within its byte budget, evicting the least recently used first', () => {
    const cache = new LruCache<string>(100, (_key, value) => value.length);
    cache.set('a', 'x'.repeat(40));
    cache.set('b', 'x'.repeat(40));
    cache.get('a');
    cache.set('c', 'x'.repeat(40));
    expect(cache.keys()).toEqual(['a', 'c']);
    expect(cache.sizeInBytes).toBe(80);
    // An update keeps the entry's place: grown past the budget, the least recent (itself, here) goes.
    cache.update('c', 'x'.repeat(70));
    expect(cache.keys()).toEqual(['c']);
    cache.set('huge', 'x'.repeat(101));
    expect(cache.peek('huge')).toBeUndefined();
    expect(cache.sizeInBytes).toBeLessThanOrEqual(100);
  });
  // The reference: an array in recency order (least recent first), evicting from the front until the total fits.
  it('behaves like a plain array-ordered LRU under any sequence of operations', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    const operation = fc.oneof(
      fc.record({ op: fc.constant('set' as const), key, size: fc.integer({ min: 1, max: 60 }) }),
      fc.record({ op: fc.constant('update' as const), key, size: fc.integer({ min: 1, max: 60 }) }),
      fc.record({ op: fc.constantFrom('get' as const, 'peek' as const, 'delete' as const), key }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        const cache = new LruCache<number>(100, (_key, size) => size);
        let model: { key: string; size: number }[] = [];
        const total = () => model.reduce((sum, entry) => sum + entry.size, 0);
        const evict = () => {
          while (total() > 100) model.shift();
        };
        for (const operation of operations) {
          const at = model.findIndex((entry) => entry.key === operation.key);
          if (operation.op === 'set') {
            cache.set(operation.key, operation.size);
            model = model.filter((entry) => entry.key !== operation.key);
            model.push({ key: operation.key, size: operation.size });
            evict();
          } else if (operation.op === 'update') {
            cache.update(operation.key, operation.size);
            if (at >= 0) model[at] = { key: operation.key, size: operation.size };
            evict();
          } else if (operation.op === 'get') {
            expect(cache.get(operation.key)).toBe(at >= 0 ? model[at]!.size : undefined);
            if (at >= 0) model.push(...model.splice(at, 1));
          } else if (operation.op === 'peek') {
            expect(cache.peek(operation.key)).toBe(at >= 0 ? model[at]!.size : undefined);
          } else {
            cache.delete(operation.key);
            if (at >= 0) model.splice(at, 1);
          }
          expect(cache.keys()).toEqual(model.map((entry) => entry.key));
          expect(cache.sizeInBytes).toBe(total());
          expect(cache.size).toBe(model.length);
        }
      }),
    );
  });
});

describe('SSE parser', () => {
  it('splits events across chunks and line endings, skips comments and remembers the last id', () => {
    const events: SseEvent[] = [];
    const parser = createSseParser((event) => events.push(event));
    for (const chunk of [': connected\n\nid: 1-1\nevent: usageUpdated\nda', 'ta: {"a":1}\r', '\n\r\n: heartbeat\n\nevent: resyncRequired\ndata: {}\n', '\n']) parser.push(chunk);
    expect(events).toEqual([
      { event: 'usageUpdated', data: '{"a":1}', id: '1-1' },
      { event: 'resyncRequired', data: '{}', id: '1-1' },
    ]);
    expect(parser.lastEventId()).toBe('1-1');
  });
});

describe('backoff', () => {
  it('grows exponentially up to its cap, with jitter in the upper half', () => {
    const policy = { baseMs: 100, maxMs: 1000 };
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(policy, n, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelay(policy, 3, () => 0)).toBe(400);
  });
});
