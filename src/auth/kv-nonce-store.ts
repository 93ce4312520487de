import type { KvNamespaceLike } from "../users/kv-user-store";
import { createMemoryNonceStore, type NonceStore } from "./nonce-store";
import { sha256Hex } from "./sha256-hex";

export interface KvNonceStoreOptions {
  /** Checked first and kept exact: replays that reach the same isolate are refused whatever KV says. */
  local?: NonceStore;
  /** Told when KV fails; the request then goes on with the isolate's own memory only. */
  onKvError?: (err: unknown) => void;
}

// KV refuses an expirationTtl under 60 seconds.
const KV_MIN_TTL_SEC = 60;

/**
 * Replay protection shared by every isolate through Workers KV. KV is eventually consistent and has no
 * compare-and-set: a replay is refused once the first request's write is visible where the replay lands (at once in
 * the same isolate, usually at once in the same location, after a minute or more elsewhere). Two copies racing into
 * different isolates within that window can both pass. Closing that window needs a Durable Object, not KV.
 */
export function createKvNonceStore(kv: KvNamespaceLike, options: KvNonceStoreOptions = {}): NonceStore {
  const local = options.local ?? createMemoryNonceStore();
  return {
    async remember(key, ttlMs) {
      if (!(await local.remember(key, ttlMs))) return false;
      // Hashed: the key holds an access token and a client-chosen nonce of any length; KV keys stop at 512 bytes.
      const kvKey = `nonce:${await sha256Hex(key)}`;
      try {
        if ((await kv.get(kvKey)) !== null) return false;
        await kv.put(kvKey, "1", { expirationTtl: Math.max(KV_MIN_TTL_SEC, Math.ceil(ttlMs / 1000)) });
      } catch (err) {
        // A KV outage must not stop every message; the timestamp window and the isolate's memory still hold.
        options.onKvError?.(err);
      }
      return true;
    },
  };
}
