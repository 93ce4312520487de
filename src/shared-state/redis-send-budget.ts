import { budgetSpent, HOUR_MS, WINDOW_HOURS } from "../auth/budget-window";
import type { Release, SendBudget, SendLimits } from "../auth/send-budget";
import type { OAuthCredentials } from "../oauth/signature";
import { keyHash } from "./key-hash";
import { luaScript } from "./lua-script";
import { sharedStateUnavailable, type RedisConnection } from "./redis-connection";

export interface RedisSendBudgetOptions {
  /** Put before `budget:user:<hash>` and `budget:app:<hash>`. */
  keyPrefix: string;
  clock: () => number;
  /**
   * This process's own count, with the same limits: every message sent is counted here too, so that a replica that
   * loses Redis goes on from what it sent itself rather than from nothing.
   */
  local: SendBudget;
  required: boolean;
}

/**
 * Each budget is one hash of hourly buckets (field: hour number since the epoch, value: messages). The script checks
 * every budget of the caller, and takes one message from each only if none is spent: atomic across replicas, so
 * concurrent sends at several replicas cannot overshoot. Buckets older than the window are dropped as it goes.
 * KEYS: the budgets. ARGV: this hour, the oldest hour still counted, the hash's expiry in ms, one limit per key.
 * Returns 0 when taken, else the 1-based index of the spent budget.
 */
const RESERVE = luaScript(`
local hour, oldest, ttl = ARGV[1], tonumber(ARGV[2]), ARGV[3]
for i, key in ipairs(KEYS) do
  local total = 0
  local buckets = redis.call('HGETALL', key)
  for j = 1, #buckets, 2 do
    if tonumber(buckets[j]) < oldest then redis.call('HDEL', key, buckets[j])
    else total = total + tonumber(buckets[j + 1]) end
  end
  if total >= tonumber(ARGV[3 + i]) then return i end
end
for _, key in ipairs(KEYS) do
  redis.call('HINCRBY', key, hour, 1)
  redis.call('PEXPIRE', key, ttl)
end
return 0`);

/** Counts one message sent while Redis was away, once it is back: no limit to check, it has gone out. */
const ADD = luaScript(`
for _, key in ipairs(KEYS) do
  redis.call('HINCRBY', key, ARGV[1], 1)
  redis.call('PEXPIRE', key, ARGV[2])
end
return 0`);

/** Gives one message back to the bucket of the hour it was taken from (ARGV[1]), never below zero. */
const RELEASE = luaScript(`
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('HGET', key, ARGV[1]) or '0') > 0 then redis.call('HINCRBY', key, ARGV[1], -1) end
end
return 0`);

/** The window and an hour more, so that a budget nobody used for a day leaves Redis by itself. */
const EXPIRY_MS = (WINDOW_HOURS + 1) * HOUR_MS;

/**
 * Daily budgets shared by every replica, with the memory budget's rules and answers: counted from the moment a
 * message is reserved, given back when the upstream refused it, kept when it may have gone out (sendWithinBudget).
 */
export function createRedisSendBudget(connection: RedisConnection, limits: SendLimits, options: RedisSendBudgetOptions): SendBudget {
  const { keyPrefix, clock, local, required } = options;

  function budgetsOf(creds: OAuthCredentials): { keys: string[]; limits: number[] } {
    const keys: string[] = [];
    const counted: number[] = [];
    if (limits.perUser !== undefined) {
      keys.push(`${keyPrefix}budget:user:${keyHash(`${creds.consumerKey}\n${creds.token}`)}`);
      counted.push(limits.perUser);
    }
    if (limits.perApp !== undefined) {
      keys.push(`${keyPrefix}budget:app:${keyHash(creds.consumerKey)}`);
      counted.push(limits.perApp);
    }
    return { keys, limits: counted };
  }

  /** Counted by this process alone while Redis is away, and told to Redis (with any give-back) once it is back. */
  async function reserveLocally(creds: OAuthCredentials, keys: string[], hour: number): Promise<Release> {
    if (required) throw sharedStateUnavailable();
    const releaseLocal = await local.reserve(creds);
    void connection.runWhenShared((redis) => ADD(redis, keys, [hour, EXPIRY_MS]));
    return async () => {
      await releaseLocal();
      await giveBack(keys, hour);
    };
  }

  // Queued behind the count it undoes when Redis is away; lost if Redis fails on it, which errs on sending less.
  const giveBack = (keys: string[], hour: number) => connection.runWhenShared((redis) => RELEASE(redis, keys, [hour]));

  return {
    async reserve(creds) {
      const budgets = budgetsOf(creds);
      if (budgets.keys.length === 0) return () => {};
      const now = clock();
      const hour = Math.floor(now / HOUR_MS);
      if (connection.status() !== "shared") return reserveLocally(creds, budgets.keys, hour);
      const spent = await connection.run(
        (redis) => RESERVE(redis, budgets.keys, [hour, hour - WINDOW_HOURS + 1, EXPIRY_MS, ...budgets.limits]) as Promise<number>,
      );
      if (spent === undefined) return reserveLocally(creds, budgets.keys, hour);
      if (spent > 0) throw budgetSpent(budgets.limits[spent - 1]!, now);
      // This process's count can only be lower than the shared one; when it is already full, it stays full.
      const releaseLocal = await Promise.resolve()
        .then(() => local.reserve(creds))
        .catch(() => undefined);
      return async () => {
        await releaseLocal?.();
        await giveBack(budgets.keys, hour);
      };
    },
  };
}
