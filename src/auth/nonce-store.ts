/** Remembers `(consumer, token, nonce, timestamp)` for the timestamp window, so a captured request cannot be replayed. */
export interface NonceStore {
  /** True when the key was new and is now remembered; false when it was seen before. */
  remember(key: string, ttlMs: number): boolean | Promise<boolean>;
}

/**
 * In memory: holds for the life of the process, per process. Past `max` keys the oldest are dropped, so the bound
 * is a memory ceiling, not a replay guarantee under a flood of distinct nonces.
 *
 * A Map in insertion order rather than an LRU: every key gets the same window, so the oldest key expires first and
 * pruning from the front is enough. It also allocates as it fills, where a preallocated LRU of 200,000 slots costs
 * about 20 ms of CPU up front, which on Workers lands on an isolate's first request.
 */
export function createMemoryNonceStore(max = 200_000, clock: () => number = Date.now): NonceStore {
  const expiries = new Map<string, number>();
  return {
    remember(key, ttlMs) {
      const now = clock();
      for (const [oldest, expiry] of expiries) {
        if (expiry > now) break;
        expiries.delete(oldest);
      }
      const expiry = expiries.get(key);
      if (expiry !== undefined && expiry > now) return false;
      expiries.delete(key);
      if (expiries.size >= max) expiries.delete(expiries.keys().next().value as string);
      expiries.set(key, now + ttlMs);
      return true;
    },
  };
}
