import type { CheckScope } from '../db/repositories/entitlementChecks.repository';
import type { ChangeEventType } from '../domain/changeEvent';
import type { CheckedFeature } from '../domain/entitlements/entitlementCheck';
import type { EntitlementReads } from './entitlementReads';

// What the cache needs of the change feed: every committed change of every environment, in order, and whether the
// feed is current (connected and caught up), without which nothing cached can be trusted to be fresh.
// `onReset`: events were skipped (the feed lost its place), so everything derived from them must go.
export type ChangeNotifications = {
  subscribe(listener: { onEvent: (change: { environmentId: string; type: ChangeEventType; customerId: string | null }) => void; onReset?: () => void }): () => void;
  isCurrent(): boolean;
};

export type EntitlementCacheOptions = { maxScopes?: number; maxAgeMs?: number; now?: () => number };

type Entry<T> = { value: Promise<T>; loadedAt: number };

// Events after which a customer's cached scopes are stale: its entitlements, its subscriptions, the customer itself.
const CUSTOMER_CHANGES = new Set<ChangeEventType>(['entitlements.updated', 'subscription.created', 'subscription.updated', 'subscription.ended', 'customer.created', 'customer.updated', 'customer.archived']);
const CATALOG_CHANGES = new Set<ChangeEventType>(['catalog.changed', 'package.published']);

// The hot path's in-process cache of entitlement scopes and features. Usage counters are never cached (a check
// right after a usage acknowledgement must see it, on any process). An entry is dropped when the change feed
// delivers a change of its customer or catalog, so every API process sees a change within the feed's delay; while
// the feed is not current, reads go to Postgres and the cache is emptied (changes may be passing unseen).
// Entries are promises stored before the load runs, so concurrent misses share one query and a change delivered
// while a load is in flight removes that load's entry too.
export function cachedEntitlementReads(source: EntitlementReads, feed: ChangeNotifications, options: EntitlementCacheOptions = {}): EntitlementReads & { close(): void; size(): number } {
  const maxScopes = options.maxScopes ?? 100_000;
  const maxAgeMs = options.maxAgeMs ?? 60_000;
  const now = options.now ?? Date.now;
  // environment → customer → resource key → scope; Map order is least recently used first within a customer.
  const scopes = new Map<string, Map<string, Map<string, Entry<CheckScope>>>>();
  const features = new Map<string, Entry<Map<string, CheckedFeature>>>();
  let scopeCount = 0;
  let wasCurrent = feed.isCurrent();

  const dropCustomer = (environmentId: string, customerId: string) => {
    const customers = scopes.get(environmentId);
    const dropped = customers?.get(customerId);
    if (!dropped) return;
    scopeCount -= dropped.size;
    customers!.delete(customerId);
  };
  const clear = () => {
    scopes.clear();
    features.clear();
    scopeCount = 0;
  };
  const unsubscribe = feed.subscribe({
    onEvent: (change) => {
      if (change.customerId !== null && CUSTOMER_CHANGES.has(change.type)) dropCustomer(change.environmentId, change.customerId);
      if (CATALOG_CHANGES.has(change.type)) features.delete(change.environmentId);
    },
    onReset: clear,
  });

  const trusted = () => {
    const current = feed.isCurrent();
    if (!current && wasCurrent) clear();
    wasCurrent = current;
    return current;
  };
  const fresh = <T>(entry: Entry<T> | undefined): entry is Entry<T> => entry !== undefined && now() - entry.loadedAt < maxAgeMs;

  return {
    async scope(environmentId, customerId, resourceId) {
      if (!trusted()) return source.scope(environmentId, customerId, resourceId);
      const resourceKey = resourceId ?? '';
      let customers = scopes.get(environmentId);
      if (!customers) scopes.set(environmentId, (customers = new Map()));
      let resources = customers.get(customerId);
      const cached = resources?.get(resourceKey);
      if (fresh(cached)) {
        // Most recently used customers move to the end, so eviction takes the coldest first.
        customers.delete(customerId);
        customers.set(customerId, resources!);
        return cached.value;
      }
      if (!resources) customers.set(customerId, (resources = new Map()));
      if (!cached) scopeCount += 1;
      const entry: Entry<CheckScope> = { value: source.scope(environmentId, customerId, resourceId), loadedAt: now() };
      resources.set(resourceKey, entry);
      entry.value.catch(() => {
        if (scopes.get(environmentId)?.get(customerId) === resources && resources!.get(resourceKey) === entry) {
          resources!.delete(resourceKey);
          scopeCount -= 1;
        }
      });
      evict();
      return entry.value;
    },
    async features(environmentId) {
      if (!trusted()) return source.features(environmentId);
      const cached = features.get(environmentId);
      if (fresh(cached)) return cached.value;
      const entry = { value: source.features(environmentId), loadedAt: now() };
      features.set(environmentId, entry);
      entry.value.catch(() => features.get(environmentId) === entry && features.delete(environmentId));
      return entry.value;
    },
    forget: dropCustomer,
    close: unsubscribe,
    size: () => scopeCount,
  };

  function evict() {
    for (const [environmentId, customers] of scopes) {
      for (const customerId of customers.keys()) {
        if (scopeCount <= maxScopes) return;
        dropCustomer(environmentId, customerId);
      }
    }
  }
}
