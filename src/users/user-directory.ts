import { LRUCache } from "lru-cache";
import { BridgeError } from "../core/errors";
import type { Recipient } from "../core/legacy-request";
import type { XUser } from "../core/x-types";
import type { OAuthCredentials } from "../oauth/signature";
import type { XApi } from "../upstream/x-api";

export interface UserDirectoryOptions {
  maxEntries: number;
  idTtlMs: number;
  profileTtlMs: number;
}

export const DEFAULT_USER_CACHE: UserDirectoryOptions = {
  maxEntries: 50_000,
  idTtlMs: 60 * 60_000,
  profileTtlMs: 15 * 60_000,
};

export interface UserDirectory {
  resolve(recipient: Recipient, creds: OAuthCredentials): Promise<XUser>;
}

/**
 * Screen name -> id and id -> user object, cached, with one upstream lookup in flight per key: a burst of messages
 * to the same new name costs one users/lookup call. Failed lookups are not cached.
 */
export function createUserDirectory(api: XApi, options: UserDirectoryOptions = DEFAULT_USER_CACHE): UserDirectory {
  const idsByName = new LRUCache<string, string>({ max: options.maxEntries, ttl: options.idTtlMs });
  const usersById = new LRUCache<string, XUser>({ max: options.maxEntries, ttl: options.profileTtlMs });
  const inFlight = new Map<string, Promise<XUser>>();

  function remember(user: XUser): XUser {
    usersById.set(user.id_str, user);
    idsByName.set(user.screen_name.toLowerCase(), user.id_str);
    return user;
  }

  function lookupOnce(key: string, load: () => Promise<XUser>): Promise<XUser> {
    let pending = inFlight.get(key);
    if (!pending) {
      pending = load().then(remember).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  }

  async function fetchOne(creds: OAuthCredentials, by: "screen_name" | "user_id", value: string): Promise<XUser> {
    const found = await api.lookupUsers(creds, by, [value]);
    const user = found.find((u) => (by === "user_id" ? u.id_str === value : u.screen_name.toLowerCase() === value));
    if (!user) throw new BridgeError("recipient_not_found", { xCode: 17, xMessage: "No user matches for specified terms." });
    return user;
  }

  return {
    resolve(recipient, creds) {
      if (recipient.by === "id") {
        const cached = usersById.get(recipient.value);
        if (cached) return Promise.resolve(cached);
        return lookupOnce(`id:${recipient.value}`, () => fetchOne(creds, "user_id", recipient.value));
      }
      const name = recipient.value.toLowerCase();
      const id = idsByName.get(name);
      const cached = id === undefined ? undefined : usersById.get(id);
      if (cached) return Promise.resolve(cached);
      return lookupOnce(`name:${name}`, () => fetchOne(creds, "screen_name", name));
    },
  };
}
