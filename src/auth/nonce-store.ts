import { LRUCache } from "lru-cache";

/** Remembers `(consumer, token, nonce, timestamp)` for the timestamp window, so a captured request cannot be replayed. */
export interface NonceStore {
  /** True when the key was new and is now remembered; false when it was seen before. */
  remember(key: string, ttlMs: number): boolean | Promise<boolean>;
}

/**
 * In memory: holds for the life of the process, per process. Past `max` keys the oldest are dropped, so the bound
 * is a memory ceiling, not a replay guarantee under a flood of distinct nonces.
 */
export function createMemoryNonceStore(max = 200_000): NonceStore {
  const seen = new LRUCache<string, true>({ max, ttlAutopurge: false });
  return {
    remember(key, ttlMs) {
      if (seen.has(key)) return false;
      seen.set(key, true, { ttl: ttlMs });
      return true;
    },
  };
}
