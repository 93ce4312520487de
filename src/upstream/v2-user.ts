import { formatCreatedAt } from "../core/created-at";
import { isXId, type XUser } from "../core/x-types";

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

export function isV2User(value: unknown): value is XV2User {
  const user = value as XV2User | null;
  return !!user && isXId(user.id) && typeof user.username === "string" && typeof user.name === "string";
}

/**
 * The 1.1 user object the dialects render, in seed 000's field order, from a v2 user. Fields v2 no longer has
 * (profile colours, time zone) are left out, except the ones legacy clients read unguarded, set to their neutral
 * values.
 */
export function toLegacyUser(user: XV2User): XUser {
  const metrics = user.public_metrics ?? {};
  const created = Date.parse(user.created_at ?? "");
  const image = user.profile_image_url;
  return {
    id: Number(user.id),
    id_str: user.id,
    name: user.name,
    screen_name: user.username,
    location: user.location ?? "",
    description: user.description ?? "",
    url: user.url ? user.url : null,
    protected: user.protected ?? false,
    followers_count: metrics.followers_count ?? 0,
    friends_count: metrics.following_count ?? 0,
    listed_count: metrics.listed_count ?? 0,
    ...(Number.isFinite(created) ? { created_at: formatCreatedAt(created) } : {}),
    favourites_count: metrics.like_count ?? 0,
    utc_offset: null,
    time_zone: null,
    geo_enabled: false,
    verified: user.verified ?? false,
    statuses_count: metrics.tweet_count ?? 0,
    lang: null,
    contributors_enabled: false,
    is_translator: false,
    ...(image ? { profile_image_url: image.replace(/^https:/, "http:"), profile_image_url_https: image } : {}),
    following: false,
    follow_request_sent: false,
    notifications: false,
  };
}
