import { createGrownLru } from "../grown-lru";
import type { XUser } from "./x-types";

/**
 * The users whose rendering each dialect keeps, the most recently rendered: senders, whose every message renders them,
 * and recent recipients. Kept for every cached user, the renderings would take 1.3 to 1.8 kB each beside the profile's
 * 0.8: 62 to 85 MiB more at the user cache's 50,000 (docs/benchmarks.md).
 */
export const RENDERED_USERS_KEPT = 2_000;

/**
 * What a dialect made of a user, kept for the users rendered last. Cached users are the same objects from one message
 * to the next (src/users). Keyed by the user's id and kept with the very object it was made from: a profile fetched
 * again, or a placeholder made for one message, replaces its id's entry instead of crowding out another user's.
 */
export function createRenderedUsers<V extends {}>(): (user: XUser, make: () => V) => V {
  const kept = createGrownLru<string, { user: XUser; made: V }>(RENDERED_USERS_KEPT);
  return (user, make) => {
    const entry = kept.get(user.id_str);
    if (entry?.user === user) return entry.made;
    const made = make();
    kept.set(user.id_str, { user, made });
    return made;
  };
}
