import type { SharedUserStore } from "./user-cache";

/** The part of a Workers KV namespace binding this store uses. */
export interface KvNamespaceLike {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, options: { expirationTtl: number }): Promise<void>;
}

/** KV refuses expirations under 60 seconds. */
const KV_MIN_TTL_SEC = 60;

/** The user cache's shared tier on Workers KV: every isolate and colo sees a name another one resolved. */
export function createKvUserStore(kv: KvNamespaceLike, prefix = "user-cache:"): SharedUserStore {
  return {
    async get(key) {
      return (await kv.get(prefix + key)) ?? undefined;
    },
    put(key, value, ttlMs) {
      return kv.put(prefix + key, value, { expirationTtl: Math.max(KV_MIN_TTL_SEC, Math.ceil(ttlMs / 1000)) });
    },
  };
}
