import {
  applyPendingUsage,
  applyStreamedGrants,
  applyUsage,
  DEFAULT_REQUESTED_USAGE,
  estimateEntrySize,
  evaluateCached,
  fromEntitlementList,
  listCached,
  rememberDenial,
  type CustomerEntitlements,
  type StreamedGrant,
} from './customerEntitlements.js';
import { TollgateError } from './errors.js';
import { fallbackEntitlement } from './fallback.js';
import type { HttpSend } from './httpClient.js';
import { LruCache } from './lruCache.js';
import type { CacheEventPayload, Entitlement, EntitlementFallback, EntitlementFeature, EntitlementType, Logger } from './types.js';
import { toEntitlement, type WireEntitlement } from './wire.js';

export type EntitlementsStoreSettings = {
  send: HttpSend;
  maxBytes: number;
  entitlementsTimeout: number;
  fallbacks: Record<string, EntitlementFallback>;
  // Without the stream nothing tells the cache of changes: an entry is then refetched once older than this.
  maxAgeMs: number | undefined;
  // Whether anyone listens to cacheHit / cacheMiss, kept current by the client: a payload is built only then (a
  // cached check must stay cheap).
  cacheListeners: { readonly hit: boolean; readonly miss: boolean };
  emitCacheEvent: (name: 'cacheHit' | 'cacheMiss', payload: CacheEventPayload) => void;
  logger: Logger;
};

export type CheckRequest = { customerId: string; featureId: string; resourceId?: string; options?: { requestedUsage?: number; fallback?: EntitlementFallback } };

const UNKNOWN_CUSTOMER = 'UNKNOWN_CUSTOMER' as const;
const REFRESH_CONCURRENCY = 4;
// Ids never hold control characters, so this separator cannot be forged. A customer without a resource is keyed by
// its id alone: the caller's own string, whose hash V8 keeps, so the common check builds no key.
const SEPARATOR = '\u0001';
const keyOf = (customerId: string, resourceId: string | null | undefined) => (resourceId == null || resourceId === '' ? customerId : customerId + SEPARATOR + resourceId);
const splitKey = (key: string) => {
  const at = key.indexOf(SEPARATOR);
  return at < 0 ? { customerId: key, resourceId: undefined } : { customerId: key.slice(0, at), resourceId: key.slice(at + 1) };
};
const eventPayload = (customerId: string, featureId: string | undefined, resourceId: string | undefined): CacheEventPayload => ({
  customerId,
  ...(featureId !== undefined && { featureId }),
  ...(resourceId !== undefined && { resourceId }),
});

// The in-process entitlement cache: each (customer, resource) fetched once, evaluated locally, updated by the stream
// and by usage acknowledgements. A check never throws: without an answer it uses the cached entry, else the fallback.
export function createEntitlementsStore(settings: EntitlementsStoreSettings) {
  const cache = new LruCache<CustomerEntitlements>(settings.maxBytes, estimateEntrySize);
  const features = new Map<string, EntitlementFeature>();
  const loading = new Map<string, Promise<CustomerEntitlements | typeof UNKNOWN_CUSTOMER>>();
  // Keys that changed while their fetch was on its way: the fetched copy may predate the change.
  const changedWhileLoading = new Set<string>();

  async function fetchEntry(customerId: string, resourceId: string | undefined): Promise<CustomerEntitlements | typeof UNKNOWN_CUSTOMER> {
    try {
      const answer = await settings.send<{ entitlements: WireEntitlement[] }>({
        method: 'GET',
        path: `/v1/customers/${encodeURIComponent(customerId)}/entitlements`,
        query: { resourceId },
        timeoutMs: settings.entitlementsTimeout,
        budgetMs: settings.entitlementsTimeout,
      });
      for (const wire of answer.entitlements) if (wire.feature) features.set(wire.feature.id, wire.feature);
      return fromEntitlementList(answer.entitlements, Date.now());
    } catch (error) {
      if (error instanceof TollgateError && error.status === 404) return UNKNOWN_CUSTOMER;
      throw error;
    }
  }

  // One fetch per key at a time; a change streamed meanwhile fetches again, so the cache never keeps older state.
  function load(customerId: string, resourceId: string | undefined): Promise<CustomerEntitlements | typeof UNKNOWN_CUSTOMER> {
    const key = keyOf(customerId, resourceId);
    const running = loading.get(key);
    if (running) return running;
    const run = (async () => {
      try {
        for (;;) {
          changedWhileLoading.delete(key);
          const entry = await fetchEntry(customerId, resourceId);
          if (changedWhileLoading.has(key)) continue;
          if (entry === UNKNOWN_CUSTOMER) cache.delete(key);
          else cache.set(key, entry);
          return entry;
        }
      } finally {
        loading.delete(key);
      }
    })();
    loading.set(key, run);
    return run;
  }

  const isFresh = (entry: CustomerEntitlements) => settings.maxAgeMs === undefined || Date.now() - entry.fetchedAt < settings.maxAgeMs;

  // A check answered from the cache is answered synchronously, in an already resolved promise (no async function,
  // no closure, no clock read unless a usage period's end needs it); anything else takes the asynchronous path.
  function check(expectedType: EntitlementType, request: CheckRequest): Promise<Entitlement> {
    const { customerId, featureId, resourceId } = request;
    const requestedUsage = request.options?.requestedUsage ?? (expectedType === 'METERED' ? DEFAULT_REQUESTED_USAGE : 0);
    const cached = cache.get(resourceId === undefined ? customerId : keyOf(customerId, resourceId));
    if (cached !== undefined && isFresh(cached)) {
      const answer = evaluateCached(cached, featureId, expectedType, requestedUsage);
      if (answer !== undefined) {
        if (settings.cacheListeners.hit) settings.emitCacheEvent('cacheHit', eventPayload(customerId, featureId, resourceId));
        return Promise.resolve(answer);
      }
    }
    return checkWithService(expectedType, request, requestedUsage, cached);
  }

  async function checkWithService(expectedType: EntitlementType, request: CheckRequest, requestedUsage: number, cached: CustomerEntitlements | undefined): Promise<Entitlement> {
    const { customerId, featureId, resourceId } = request;
    const key = keyOf(customerId, resourceId);
    if (settings.cacheListeners.miss) settings.emitCacheEvent('cacheMiss', eventPayload(customerId, featureId, resourceId));
    try {
      let entry = cached && isFresh(cached) && cached.grants.has(featureId) === false ? cached : await load(customerId, resourceId);
      if (entry !== UNKNOWN_CUSTOMER) {
        const answer = evaluateCached(entry, featureId, expectedType, requestedUsage);
        if (answer) return answer;
      }
      // A feature the customer is not granted, or a customer unknown: the service says why.
      const wire = await settings.send<WireEntitlement>({
        method: 'GET',
        path: `/v1/customers/${encodeURIComponent(customerId)}/entitlements/${encodeURIComponent(featureId)}`,
        query: { resourceId, type: expectedType, ...(expectedType === 'METERED' && { requestedUsage }) },
        timeoutMs: settings.entitlementsTimeout,
        budgetMs: settings.entitlementsTimeout,
      });
      entry = cache.peek(key) ?? entry;
      if (entry !== UNKNOWN_CUSTOMER) {
        rememberDenial(entry, featureId, expectedType, wire);
        cache.update(key, entry);
      }
      return toEntitlement(wire);
    } catch (error) {
      settings.logger.warn(`entitlement check of ${featureId} for ${customerId} answered from ${cached ? 'the cache' : 'the fallback'}:`, (error as Error)?.message);
      const stale = cached && evaluateCached(cached, featureId, expectedType, requestedUsage, Number.NEGATIVE_INFINITY);
      return stale || fallbackEntitlement(expectedType, requestedUsage, request.options?.fallback, settings.fallbacks[featureId]);
    }
  }

  async function list(customerId: string, resourceId: string | undefined): Promise<Entitlement[]> {
    const key = keyOf(customerId, resourceId);
    const cached = cache.get(key);
    const listed = cached && isFresh(cached) ? listCached(cached) : undefined;
    if (listed) {
      if (settings.cacheListeners.hit) settings.emitCacheEvent('cacheHit', eventPayload(customerId, undefined, resourceId));
      return listed;
    }
    if (settings.cacheListeners.miss) settings.emitCacheEvent('cacheMiss', eventPayload(customerId, undefined, resourceId));
    try {
      const entry = await load(customerId, resourceId);
      return entry === UNKNOWN_CUSTOMER ? [] : (listCached(entry) ?? []);
    } catch (error) {
      settings.logger.warn(`getEntitlements for ${customerId} answered from ${cached ? 'the cache' : 'nothing'}:`, (error as Error)?.message);
      return cached ? (listCached(cached, Number.NEGATIVE_INFINITY) ?? []) : [];
    }
  }

  // Refetches in the background; on failure the entry stays as it was (better than nothing while unreachable).
  function refresh(key: string) {
    const { customerId, resourceId } = splitKey(key);
    if (loading.has(key)) changedWhileLoading.add(key);
    load(customerId, resourceId).catch((error: unknown) => settings.logger.warn(`could not refetch the entitlements of ${customerId}:`, (error as Error)?.message));
  }

  return {
    check,
    list,
    async reload(customerId: string, resourceId: string | undefined): Promise<void> {
      const key = keyOf(customerId, resourceId);
      if (loading.has(key)) changedWhileLoading.add(key);
      await load(customerId, resourceId);
    },
    applyEntitlementsUpdated(customerId: string, resourceId: string | null, grants: StreamedGrant[]) {
      const key = keyOf(customerId, resourceId);
      if (loading.has(key)) changedWhileLoading.add(key);
      const entry = cache.peek(key);
      if (!entry) return;
      if (applyStreamedGrants(entry, grants, features, Date.now())) cache.update(key, entry);
      else refresh(key);
    },
    applyUsage(customerId: string, resourceId: string | null | undefined, featureId: string, currentUsage: number, start?: Date, end?: Date) {
      const key = keyOf(customerId, resourceId);
      if (loading.has(key)) changedWhileLoading.add(key);
      const entry = cache.peek(key);
      if (entry) applyUsage(entry, featureId, currentUsage, start, end);
    },
    applyPendingUsage(customerId: string, resourceId: string | undefined, featureId: string, value: number, behavior: 'DELTA' | 'SET') {
      const entry = cache.peek(keyOf(customerId, resourceId));
      if (entry) applyPendingUsage(entry, featureId, value, behavior);
    },
    // Everything cached may have changed unseen (the stream could not resume): refetch it, a few at a time.
    async refreshAll(): Promise<void> {
      const keys = cache.keys();
      const next = async (): Promise<void> => {
        const key = keys.shift();
        if (key === undefined) return;
        const { customerId, resourceId } = splitKey(key);
        await load(customerId, resourceId).catch(() => undefined);
        return next();
      };
      await Promise.all(Array.from({ length: REFRESH_CONCURRENCY }, next));
    },
    // Denials of features may change when the catalog does.
    forgetDenials() {
      for (const key of cache.keys()) {
        const entry = cache.peek(key);
        if (!entry || entry.denials.size === 0) continue;
        entry.denials.clear();
        cache.update(key, entry);
      }
    },
    // An archived customer: every cached copy goes (a fetch on its way too), so the service answers why.
    forgetCustomer(customerId: string) {
      for (const key of [...cache.keys(), ...loading.keys()]) {
        if (splitKey(key).customerId !== customerId) continue;
        cache.delete(key);
        if (loading.has(key)) changedWhileLoading.add(key);
      }
    },
    stats: () => ({ entries: cache.size, bytes: cache.sizeInBytes }),
    has: (customerId: string, resourceId?: string) => cache.peek(keyOf(customerId, resourceId)) !== undefined,
  };
}

export type EntitlementsStore = ReturnType<typeof createEntitlementsStore>;
