import { JsonInteger, type JsonValue } from "./json";
import { createRenderedUsers } from "./rendered-users";
import type { XUser } from "./x-types";

/**
 * How one field of a legacy user object is read from the X user: as the exact id, as text, as a count, as a
 * flag, or computed. Missing or mistyped values become null (an empty element in XML); flags become false.
 */
export type UserField = readonly [name: string, kind: "id" | "text" | "count" | "flag" | ((u: XUser) => JsonValue)];

// Each of the users rendered last is read once per field list, and frozen: the XML writer then also writes its element
// once (src/core/xml.ts), for as long as it is kept here.
const picked = createRenderedUsers<Map<readonly UserField[], Readonly<Record<string, JsonValue>>>>();

/** The user element of one legacy dialect, fields in that dialect's order; the same frozen object for the same user. */
export function pickUserFields(user: XUser, fields: readonly UserField[]): Readonly<Record<string, JsonValue>> {
  const byFields = picked(user, () => new Map());
  let element = byFields.get(fields);
  if (!element) {
    // Built from entries: an object given its fields one by one (`out[name] = …`) turns into a dictionary past
    // about sixteen of them, five times the memory (1,710 against 345 bytes for 37 fields) and slower to walk.
    const entries: [string, JsonValue][] = [];
    for (const [name, kind] of fields) entries.push([name, readField(user, name, kind)]);
    element = Object.freeze(Object.fromEntries(entries));
    byFields.set(fields, element);
  }
  return element;
}

function readField(user: XUser, name: string, kind: UserField[1]): JsonValue {
  if (typeof kind === "function") return kind(user);
  const value = user[name];
  switch (kind) {
    // From id_str: the number in `id` is already rounded above 2^53.
    case "id":
      return new JsonInteger(user.id_str);
    case "text":
      return typeof value === "string" ? value : null;
    case "count":
      return typeof value === "number" && Number.isSafeInteger(value) ? value : null;
    case "flag":
      return value === true;
  }
}

/** The fields every legacy user element opens with, in this order (seeds 001 and 002 agree up to here). */
export const LEGACY_USER_OPENING: readonly UserField[] = [
  ["id", "id"],
  ["name", "text"],
  ["screen_name", "text"],
  ["location", "text"],
  ["description", "text"],
  ["profile_image_url", "text"],
  ["url", "text"],
  ["protected", "flag"],
  ["followers_count", "count"],
];

/** Seed 002's user element (Twitter 1.0 and Sina Weibo v1), in its order. */
export const TWITTER_1_0_USER_FIELDS: readonly UserField[] = [
  ...LEGACY_USER_OPENING,
  ["profile_background_color", "text"],
  ["profile_text_color", "text"],
  ["profile_link_color", "text"],
  ["profile_sidebar_fill_color", "text"],
  ["profile_sidebar_border_color", "text"],
  ["friends_count", "count"],
  ["created_at", "text"],
  ["favourites_count", "count"],
  ["utc_offset", "count"],
  ["time_zone", "text"],
  ["profile_background_image_url", "text"],
  ["profile_background_tile", "flag"],
  ["statuses_count", "count"],
  ["notifications", "flag"],
  ["following", "flag"],
  ["verified", "flag"],
];
