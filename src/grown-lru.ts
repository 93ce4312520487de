import { LRUCache } from "lru-cache";

/**
 * An LRU cache of at most `maxEntries` entries whose memory grows with what it holds. Given `max`, lru-cache sets
 * up its tables for all `max` entries at once: 1.9 MB for the user cache's 50,000 with a TTL, times its three maps,
 * whether one name is cached or fifty thousand (docs/benchmarks.md). Given `maxSize` with every entry counted as 1,
 * the bound is the same and its tables grow as entries come.
 */
/**
 * The users whose rendering each dialect keeps, the most recently rendered: senders, whose every message renders them,
 * and recent recipients. Kept for every cached user, the renderings would take 1.3 to 1.8 kB each beside the profile's
 * 0.8: 62 to 85 MiB more at the user cache's 50,000 (docs/benchmarks.md).
 */
export const RENDERED_USERS_KEPT = 2_000;

export function createGrownLru<K extends {}, V extends {}>(maxEntries: number, ttlMs?: number): LRUCache<K, V> {
  return new LRUCache<K, V>({ maxSize: maxEntries, sizeCalculation: () => 1, ...(ttlMs ? { ttl: ttlMs } : {}) });
}
