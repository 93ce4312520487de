import { LRUCache } from "lru-cache";

/**
 * An LRU cache of at most `maxEntries` entries whose memory grows with what it holds. Given `max`, lru-cache sets
 * up its tables for all `max` entries at once: 1.9 MB for the user cache's 50,000 with a TTL, times its three maps,
 * whether one name is cached or fifty thousand (docs/benchmarks.md). Given `maxSize` with every entry counted as 1,
 * the bound is the same and its tables grow as entries come.
 */
export function createGrownLru<K extends {}, V extends {}>(maxEntries: number, ttlMs?: number): LRUCache<K, V> {
  return new LRUCache<K, V>({ maxSize: maxEntries, sizeCalculation: () => 1, ...(ttlMs ? { ttl: ttlMs } : {}) });
}
