import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

export type LuaScript = (redis: Redis, keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

/**
 * A Lua script sent by its SHA-1 (EVALSHA), and in full (EVAL) only when Redis does not know it yet (after a restart
 * or a SCRIPT FLUSH). NOSCRIPT means the script did not run, so sending it again cannot count a message twice.
 */
export function luaScript(source: string): LuaScript {
  const sha = createHash("sha1").update(source).digest("hex");
  return (redis, keys, args) =>
    redis.evalsha(sha, keys.length, ...keys, ...args).catch((err: unknown) => {
      if (err instanceof Error && err.message.startsWith("NOSCRIPT")) return redis.eval(source, keys.length, ...keys, ...args);
      throw err;
    });
}
