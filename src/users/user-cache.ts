import type { XUser } from "../core/x-types";
import { createGrownLru } from "../grown-lru";

export interface UserCacheOptions {
  /** Entries per map (names, profiles, misses): the memory ceiling, whatever the number of distinct names. */
  maxEntries: number;
  idTtlMs: number;
  profileTtlMs: number;
  /** How long a name that does not exist is remembered as such. */
  missTtlMs: number;
}

export const DEFAULT_USER_CACHE: UserCacheOptions = {
  maxEntries: 50_000,
  idTtlMs: 60 * 60_000,
  profileTtlMs: 15 * 60_000,
  missTtlMs: 60_000,
};

/**
 * A second tier shared beyond this process or isolate (Workers KV, the Cache API): plain strings with a TTL.
 * Optional; the memory tier in front of it answers most lookups.
 */
export interface SharedUserStore {
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string, ttlMs: number): Promise<void>;
}

/** Fields of a users/lookup answer that describe the authenticating user's relationship to the user. */
const RELATIONSHIP_FLAGS = ["following", "follow_request_sent", "notifications", "muting", "blocking", "blocked_by"] as const;

export type CachedName = { id: string } | { missing: true } | undefined;

export function createUserCache(options: UserCacheOptions, shared?: SharedUserStore) {
  const ids = createGrownLru<string, string>(options.maxEntries, options.idTtlMs);
  const profiles = createGrownLru<string, XUser>(options.maxEntries, options.profileTtlMs);
  const misses = createGrownLru<string, true>(options.maxEntries, options.missTtlMs);

  const sharedGet = async (key: string) => (shared ? shared.get(key).catch(() => undefined) : undefined);
  const sharedPut = (key: string, value: string, ttlMs: number) => {
    // A failing second tier only costs a lookup later: never fail a message for it.
    if (shared) void shared.put(key, value, ttlMs).catch(() => {});
  };

  return {
    /** Memory only, so the hot path stays synchronous. */
    peekName(name: string): CachedName {
      const id = ids.get(name);
      if (id !== undefined) return { id };
      return misses.has(name) ? { missing: true } : undefined;
    },
    peekProfile: (id: string) => profiles.get(id),
    peekMissing: (key: string) => misses.has(key),

    async sharedName(name: string): Promise<CachedName> {
      const v = await sharedGet(`n:${name}`);
      if (v === undefined) return undefined;
      if (v === "") return { missing: true };
      ids.set(name, v);
      return { id: v };
    },
    async sharedProfile(id: string): Promise<XUser | undefined> {
      const v = await sharedGet(`u:${id}`);
      if (v === undefined) return undefined;
      let user: XUser;
      try {
        user = JSON.parse(v) as XUser;
      } catch {
        // Whatever wrote it, an unreadable entry is a miss: the lookup that follows writes a good one.
        return undefined;
      }
      profiles.set(id, user);
      return user;
    },

    remember(user: XUser): XUser {
      const { status: _dropped, ...kept } = user;
      const slim = kept as XUser;
      // The cache is shared by every caller: a flag that says how the caller who looked the user up relates to
      // them must not be shown to another caller.
      for (const flag of RELATIONSHIP_FLAGS) if (flag in slim) slim[flag] = false;
      const name = slim.screen_name.toLowerCase();
      profiles.set(slim.id_str, slim);
      ids.set(name, slim.id_str);
      misses.delete(name);
      sharedPut(`n:${name}`, slim.id_str, options.idTtlMs);
      sharedPut(`u:${slim.id_str}`, JSON.stringify(slim), options.profileTtlMs);
      return slim;
    },
    rememberMissing(key: string, sharedKey?: string) {
      misses.set(key, true);
      if (sharedKey) sharedPut(sharedKey, "", options.missTtlMs);
    },
    sizes: () => ({ names: ids.size, profiles: profiles.size, misses: misses.size }),
  };
}

export type UserCache = ReturnType<typeof createUserCache>;
