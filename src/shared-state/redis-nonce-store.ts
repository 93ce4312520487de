import type { NonceStore } from "../auth/nonce-store";
import { keyHash } from "./key-hash";
import { sharedStateUnavailable, type RedisConnection } from "./redis-connection";

export interface RedisNonceStoreOptions {
  /** Put before `nonce:<sha256 of the key>`. */
  keyPrefix: string;
  /** Checked first and kept: a replay reaching the same process is refused whatever Redis says, or if it says nothing. */
  local: NonceStore;
  /** Refuse (503) rather than accept on this process's memory alone while Redis cannot be used. */
  required: boolean;
}

/**
 * Replay protection across every replica on one Redis. The claim is one atomic command, `SET key 1 NX PX ttl`: of two
 * copies of a request arriving at two replicas at once, Redis lets exactly one set the key; the other is a replay.
 */
export function createRedisNonceStore(connection: RedisConnection, options: RedisNonceStoreOptions): NonceStore {
  const { keyPrefix, local, required } = options;
  return {
    async remember(key, ttlMs) {
      // Before the local memory takes the key, so that the client's retry once Redis is back is not a "replay".
      if (required && connection.status() !== "shared") throw sharedStateUnavailable();
      if (!(await local.remember(key, ttlMs))) return false;
      const redisKey = `${keyPrefix}nonce:${keyHash(key)}`;
      const claimed = await connection.run((redis) => redis.set(redisKey, "1", "PX", Math.ceil(ttlMs), "NX"));
      if (claimed !== undefined) return claimed === "OK";
      // Redis failed or is away: the timestamp window and this process's memory still refuse replays that reach it.
      if (required) throw sharedStateUnavailable();
      // And once Redis is back, the other replicas refuse them too, for what is left of the window.
      const expiresAt = Date.now() + ttlMs;
      void connection.runWhenShared(async (redis) => {
        const left = Math.ceil(expiresAt - Date.now());
        if (left > 0) await redis.set(redisKey, "1", "PX", left, "NX");
      });
      return true;
    },
  };
}
