import { formatCreatedAt } from "../core/created-at";
import type { XUser } from "../core/x-types";

/** A user object of the X API v2, as `user.fields` below asks for it, mirroring the JSON. */
export interface XV2User {
  id: string;
  name: string;
  username: string;
  created_at?: string;
  description?: string;
  location?: string;
  url?: string;
  protected?: boolean;
  verified?: boolean;
  profile_image_url?: string;
  public_metrics?: {
    followers_count?: number;
    following_count?: number;
    tweet_count?: number;
    listed_count?: number;
    like_count?: number;
  };
}

export const V2_USER_FIELDS = "created_at,description,location,url,protected,verified,profile_image_url,public_metrics";

export function isV2User(u: unknown): u is XV2User {
  const user = u as XV2User | null;
  return !!user && typeof user.id === "string" && /^[0-9]{1,20}$/.test(user.id) && typeof user.username === "string" && typeof user.name === "string";
}

/**
 * The 1.1 user object the dialects render, in seed 000's field order, from a v2 user. Fields v2 no longer has
 * (profile colours, time zone) are left out, except the ones legacy clients read unguarded, set to their neutral
 * values.
 */
export function toLegacyUser(u: XV2User): XUser {
  const m = u.public_metrics ?? {};
  const created = Date.parse(u.created_at ?? "");
  const image = u.profile_image_url;
  return {
    id: Number(u.id),
    id_str: u.id,
    name: u.name,
    screen_name: u.username,
    location: u.location ?? "",
    description: u.description ?? "",
    url: u.url ? u.url : null,
    protected: u.protected ?? false,
    followers_count: m.followers_count ?? 0,
    friends_count: m.following_count ?? 0,
    listed_count: m.listed_count ?? 0,
    ...(Number.isFinite(created) ? { created_at: formatCreatedAt(created) } : {}),
    favourites_count: m.like_count ?? 0,
    utc_offset: null,
    time_zone: null,
    geo_enabled: false,
    verified: u.verified ?? false,
    statuses_count: m.tweet_count ?? 0,
    lang: null,
    contributors_enabled: false,
    is_translator: false,
    ...(image ? { profile_image_url: image.replace(/^https:/, "http:"), profile_image_url_https: image } : {}),
    following: false,
    follow_request_sent: false,
    notifications: false,
  };
}
