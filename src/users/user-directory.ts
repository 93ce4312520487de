import { BridgeError } from "../core/errors";
import type { Recipient } from "../core/legacy-request";
import { SCREEN_NAME, type XUser } from "../core/x-types";
import type { OAuthCredentials } from "../oauth/signature";
import { createLookupBatcher, type LookupBy, type LookupRefusal, type LookupUsers } from "./lookup-batcher";
import { createUserCache, DEFAULT_USER_CACHE, type SharedUserStore, type UserCacheOptions } from "./user-cache";

export interface UserDirectoryOptions extends UserCacheOptions {
  batchWindowMs: number;
}

export const DEFAULT_USER_DIRECTORY: UserDirectoryOptions = { ...DEFAULT_USER_CACHE, batchWindowMs: 2 };

export interface UserDirectory {
  resolve(recipient: Recipient, creds: OAuthCredentials): Promise<XUser>;
}

/**
 * What the directory tells an observer (metrics): `cacheHit("memory")` per resolution answered from memory (a
 * remembered miss included), `cacheHit("shared")` per load answered by the shared tier, `cacheMiss()` per name or
 * id handed to users/lookup, `lookupSent(n)` per users/lookup call, with the n values it carries.
 */
export interface UserDirectoryObserver {
  cacheHit(tier: "memory" | "shared"): void;
  cacheMiss(): void;
  lookupSent(names: number): void;
}

/** A recipient X could have: an id, or a name of X's form. Any other is not found, without a call. */
export function couldExist(recipient: Recipient): boolean {
  return recipient.by === "id" || SCREEN_NAME.test(recipient.value);
}

const notFound = () => new BridgeError("recipient_not_found", { xCode: 17, xMessage: "No user matches for specified terms." });

/**
 * Screen name -> id -> user object: memory first, then the shared tier, then batched users/lookup calls, with one
 * load in flight per name or id however many requests wait on it. Failures are not cached; misses are, briefly.
 */
export function createUserDirectory(
  lookup: LookupUsers,
  options: UserDirectoryOptions = DEFAULT_USER_DIRECTORY,
  shared?: SharedUserStore,
  observer?: UserDirectoryObserver,
  /** Refuses at once, without a call, while the caller's lookup quota is spent (the upstream's rate-limit memory). */
  refusal?: LookupRefusal,
): UserDirectory & { cacheSizes(): Record<string, number> } {
  const cache = createUserCache(options, shared);
  const batch = createLookupBatcher({ lookup, windowMs: options.batchWindowMs, refusal, onSend: observer && ((n) => observer.lookupSent(n)) });
  const inFlight = new Map<string, Promise<XUser>>();

  // In flight per caller: a load fails with its caller's error (a revoked token, that token's rate limit), which
  // must not reach another caller waiting on the same name. Results, once cached, are shared.
  function once(creds: OAuthCredentials, name: string, load: () => Promise<XUser>): Promise<XUser> {
    const key = `${creds.consumerKey}\n${creds.token}\n${name}`;
    let pending = inFlight.get(key);
    if (!pending) {
      pending = load().finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  }

  async function fetchUser(creds: OAuthCredentials, by: LookupBy, value: string, missKey: string, sharedMissKey?: string) {
    observer?.cacheMiss();
    const user = await batch(creds, by, value);
    if (!user) {
      cache.rememberMissing(missKey, sharedMissKey);
      throw notFound();
    }
    return cache.remember(user);
  }

  function fromMemory<T>(answer: Promise<T>): Promise<T> {
    observer?.cacheHit("memory");
    return answer;
  }

  function sharedHit<T>(found: T): T {
    if (found) observer?.cacheHit("shared");
    return found;
  }

  function byId(id: string, creds: OAuthCredentials): Promise<XUser> {
    const hit = cache.peekProfile(id);
    if (hit) return fromMemory(Promise.resolve(hit));
    if (cache.peekMissing(`id:${id}`)) return fromMemory(Promise.reject(notFound()));
    return once(creds, `id:${id}`, async () => sharedHit(await cache.sharedProfile(id)) ?? fetchUser(creds, "user_id", id, `id:${id}`));
  }

  function byName(name: string, creds: OAuthCredentials): Promise<XUser> {
    if (!SCREEN_NAME.test(name)) return Promise.reject(notFound());
    const known = cache.peekName(name);
    if (known && "missing" in known) return fromMemory(Promise.reject(notFound()));
    if (known) return byId(known.id, creds);
    return once(creds, `name:${name}`, async () => {
      const shared = sharedHit(await cache.sharedName(name));
      if (shared && "missing" in shared) throw notFound();
      if (shared) return byId(shared.id, creds);
      return fetchUser(creds, "screen_name", name, name, `n:${name}`);
    });
  }

  return {
    resolve: (recipient, creds) => (recipient.by === "id" ? byId(recipient.value, creds) : byName(recipient.value.toLowerCase(), creds)),
    cacheSizes: () => cache.sizes(),
  };
}
