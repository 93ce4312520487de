import type { SharedUserStore } from "../users/user-cache";
import type { RedisConnection } from "./redis-connection";

/**
 * The user cache's shared tier: a name any replica resolved costs the others no lookup. Redis away is a miss (and a
 * write not made): the memory tier in front and the upstream lookup behind answer instead.
 */
export function createRedisUserStore(connection: RedisConnection, keyPrefix: string): SharedUserStore {
  return {
    async get(key) {
      return (await connection.run((redis) => redis.get(keyPrefix + key))) ?? undefined;
    },
    async put(key, value, ttlMs) {
      await connection.run((redis) => redis.set(keyPrefix + key, value, "PX", Math.max(1, Math.ceil(ttlMs))));
    },
  };
}
