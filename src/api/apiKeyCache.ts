import type { ChangeFeed } from '../infra/changeFeed';

export type AuthenticatedKey = { apiKeyId: string; environmentId: string };

// Bounds the memory a process spends on keys; past it the oldest entry goes and is read again when next used.
const MAX_CACHED_KEYS = 10_000;

export type ApiKeyCache = ReturnType<typeof createApiKeyCache>;

// Active keys by hash, so a request with a known key does no query. Served only while the change feed is current,
// which it delivers apiKey.revoked within: a revoked key is refused on every process within its bound (maxLagMs).
// Only keys found are kept: an unknown key is looked up every time, so a new key works at once.
export function createApiKeyCache(feed: ChangeFeed, maxEntries = MAX_CACHED_KEYS) {
  const byHash = new Map<string, AuthenticatedKey>();
  // Moves on every revocation the feed delivers: a lookup that overlapped one does not cache what it read.
  let revocations = 0;

  feed.subscribe({
    onEvent(event) {
      if (event.type !== 'apiKey.revoked') return;
      revocations++;
      for (const [hash, key] of byHash) if (key.apiKeyId === event.payload.apiKeyId) byHash.delete(hash);
    },
    onReset() {
      revocations++;
      byHash.clear();
    },
  });

  return {
    // The key if it is cached and may be served now, without a query (the entitlement-check fast lane).
    peek(keyHash: string): AuthenticatedKey | undefined {
      return feed.isCurrent() ? byHash.get(keyHash) : undefined;
    },
    async find(keyHash: string, load: (keyHash: string) => Promise<AuthenticatedKey | undefined>): Promise<AuthenticatedKey | undefined> {
      const servable = feed.isCurrent();
      const cached = servable ? byHash.get(keyHash) : undefined;
      if (cached) return cached;
      const seenRevocations = revocations;
      const found = await load(keyHash);
      // A revocation delivered while the query ran may be older than what the query read: keep nothing then.
      if (found && servable && feed.isCurrent() && revocations === seenRevocations) {
        if (byHash.size >= maxEntries) byHash.delete(byHash.keys().next().value!);
        byHash.set(keyHash, found);
      }
      return found;
    },
    size: () => byHash.size,
  };
}
