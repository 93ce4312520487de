import type { SharedUserStore } from "./user-cache";

/** The part of a Workers KV namespace binding this store uses. */
export interface KvNamespaceLike {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, options: { expirationTtl: number }): Promise<void>;
}

/** KV refuses expirations under 60 seconds. */
const KV_MIN_TTL_SEC = 60;

/**
 * The user cache's shared tier on Workers KV: every isolate and colo sees a name another one resolved. Writes are
 * not awaited by the request that caused them, so they are tracked: a Worker hands `settled()` to `waitUntil`,
 * or the runtime may cancel a write still in flight when the answer has gone.
 */
export function createKvUserStore(kv: KvNamespaceLike, prefix = "user-cache:"): SharedUserStore & { settled(): Promise<void> } {
  const writes = new Set<Promise<void>>();
  return {
    async get(key) {
      return (await kv.get(prefix + key)) ?? undefined;
    },
    put(key, value, ttlMs) {
      const write = kv.put(prefix + key, value, { expirationTtl: Math.max(KV_MIN_TTL_SEC, Math.ceil(ttlMs / 1000)) });
      const tracked = write.then(
        () => void writes.delete(tracked),
        () => void writes.delete(tracked),
      );
      writes.add(tracked);
      return write;
    },
    async settled() {
      while (writes.size > 0) await Promise.all(writes);
    },
  };
}
