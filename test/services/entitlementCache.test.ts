import { describe, expect, it } from 'vitest';
import type { CheckScope } from '../../src/db/repositories/entitlementChecks.repository';
import { cachedEntitlementReads, type ChangeNotifications } from '../../src/services/entitlementCache';
import type { EntitlementReads } from '../../src/services/entitlementReads';

// The cache's rules against a counting source and a feed the test drives (the real feed is tested with Postgres).
function setup(options: { maxScopes?: number } = {}) {
  const loads: string[] = [];
  let version = 0;
  const source: EntitlementReads = {
    scope: async (environmentId, customerId, resourceId) => {
      loads.push(`${environmentId}/${customerId}/${resourceId ?? ''}`);
      return { customer: 'FOUND', resourceKnown: true, hasLiveSubscription: true, grants: [{ featureId: `v${version}`, amount: null, unlimited: false, hasSoftLimit: false, resetPeriod: null, usagePeriodAnchor: null, grantedBy: [] }] } satisfies CheckScope;
    },
    features: async (environmentId) => {
      loads.push(`features/${environmentId}`);
      return new Map();
    },
  };
  const listeners: Parameters<ChangeNotifications['subscribe']>[0][] = [];
  let current = true;
  const feed: ChangeNotifications = { subscribe: (listener) => (listeners.push(listener), () => void listeners.splice(listeners.indexOf(listener), 1)), isCurrent: () => current };
  let clock = 0;
  const cache = cachedEntitlementReads(source, feed, { ...options, now: () => clock });
  return {
    cache,
    loads,
    bump: () => (version += 1),
    emit: (change: Parameters<Parameters<ChangeNotifications['subscribe']>[0]['onEvent']>[0]) => listeners.forEach((listener) => listener.onEvent(change)),
    reset: () => listeners.forEach((listener) => listener.onReset?.()),
    setCurrent: (value: boolean) => (current = value),
    advance: (ms: number) => (clock += ms),
    listeners,
  };
}

describe('cachedEntitlementReads', () => {
  it('reads a scope once, then serves it until a change of that customer arrives', async () => {
    const t = setup();
    await t.cache.scope('e', 'c1', null);
    await t.cache.scope('e', 'c1', null);
    await Promise.all([t.cache.scope('e', 'c2', 'r'), t.cache.scope('e', 'c2', 'r')]);
    expect(t.loads).toEqual(['e/c1/', 'e/c2/r']);
    t.bump();
    t.emit({ environmentId: 'e', type: 'entitlements.updated', customerId: 'c1' });
    expect((await t.cache.scope('e', 'c1', null)).grants[0]!.featureId).toBe('v1');
    await t.cache.scope('e', 'c2', 'r');
    expect(t.loads).toEqual(['e/c1/', 'e/c2/r', 'e/c1/']);
  });

  it('ignores changes of other environments and unrelated types, and drops features on a catalog change', async () => {
    const t = setup();
    await t.cache.scope('e', 'c1', null);
    await t.cache.features('e');
    t.emit({ environmentId: 'other', type: 'entitlements.updated', customerId: 'c1' });
    t.emit({ environmentId: 'e', type: 'usage.updated', customerId: 'c1' });
    await t.cache.scope('e', 'c1', null);
    await t.cache.features('e');
    t.emit({ environmentId: 'e', type: 'catalog.changed', customerId: null });
    await t.cache.features('e');
    expect(t.loads).toEqual(['e/c1/', 'features/e', 'features/e']);
  });

  it('goes to the source while the feed is not current, and starts empty when it is again', async () => {
    const t = setup();
    await t.cache.scope('e', 'c1', null);
    t.setCurrent(false);
    await t.cache.scope('e', 'c1', null);
    await t.cache.scope('e', 'c1', null);
    t.setCurrent(true);
    await t.cache.scope('e', 'c1', null);
    await t.cache.scope('e', 'c1', null);
    expect(t.loads).toEqual(['e/c1/', 'e/c1/', 'e/c1/', 'e/c1/']);
  });

  it('reloads entries older than their maximum age, and evicts the least recently used customers past its size', async () => {
    const t = setup({ maxScopes: 2 });
    await t.cache.scope('e', 'a', null);
    await t.cache.scope('e', 'b', null);
    await t.cache.scope('e', 'a', null);
    await t.cache.scope('e', 'c', null);
    expect(t.cache.size()).toBe(2);
    await t.cache.scope('e', 'a', null);
    await t.cache.scope('e', 'b', null);
    expect(t.loads).toEqual(['e/a/', 'e/b/', 'e/c/', 'e/b/']);
    t.advance(60_000);
    await t.cache.scope('e', 'b', null);
    expect(t.loads.at(-1)).toBe('e/b/');
    expect(t.loads).toHaveLength(5);
  });

  it('forgets everything when the feed skipped events', async () => {
    const t = setup();
    await t.cache.scope('e', 'c1', null);
    await t.cache.features('e');
    t.reset();
    await t.cache.scope('e', 'c1', null);
    await t.cache.features('e');
    expect(t.loads).toEqual(['e/c1/', 'features/e', 'e/c1/', 'features/e']);
  });

  it('does not keep a failed load', async () => {
    const t = setup();
    let fail = true;
    const failing = cachedEntitlementReads(
      { scope: async () => (fail ? Promise.reject(new Error('down')) : { customer: 'FOUND', resourceKnown: true, hasLiveSubscription: false, grants: [] }), features: async () => new Map() },
      { subscribe: () => () => undefined, isCurrent: () => true },
    );
    await expect(failing.scope('e', 'c', null)).rejects.toThrow('down');
    fail = false;
    await expect(failing.scope('e', 'c', null)).resolves.toMatchObject({ customer: 'FOUND' });
    expect(failing.size()).toBe(1);
    failing.close();
    t.cache.close();
    expect(t.listeners).toHaveLength(0);
  });
});
