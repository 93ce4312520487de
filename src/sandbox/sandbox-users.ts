import type { XUser } from "../core/x-types";

export { DEMO_CREDENTIALS } from "./demo-credentials";

/** Users of the seeds, so that the seeds' own example requests work against the sandbox unchanged. */
interface SandboxUserSeed {
  id: string;
  screen_name: string;
  name: string;
  location?: string;
  description?: string;
  url?: string | null;
  followers_count?: number;
  friends_count?: number;
  statuses_count?: number;
  created_at?: string;
  /** How the sandbox answers a message to this user: the X API's refusals, to be reachable from tests. */
  refuses?: "not_following" | "blocked";
}

const SEEDS: SandboxUserSeed[] = [
  {
    id: "776627022",
    screen_name: "s0c1alm3dia",
    name: "Mick Jagger",
    location: "San Francisco, CA",
    description: "Keep calm and test",
    url: "http://cnn.com",
    friends_count: 11,
    created_at: "Thu Aug 23 19:45:07 +0000 2012",
  },
  {
    id: "38895958",
    screen_name: "theSeanCook",
    name: "Sean Cook",
    location: "San Francisco",
    description: "I taught your phone that thing you like. The Mobile Partner Engineer @Twitter. ",
    followers_count: 10622,
    friends_count: 1181,
    statuses_count: 2608,
    created_at: "Sat May 09 17:58:22 +0000 2009",
  },
  {
    id: "1401881",
    screen_name: "dougw",
    name: "Doug Williams",
    location: "San Francisco, CA",
    description: "Twitter API Support. Internet, greed, users, dougw and opportunities are my passions.",
    url: "http://www.igudo.com",
    followers_count: 1036,
    friends_count: 290,
    statuses_count: 3394,
    created_at: "Sun Mar 18 06:42:26 +0000 2007",
  },
  {
    id: "7004322",
    screen_name: "igudo",
    name: "Doug Williams",
    location: "North Carolina",
    description: "A character.",
    url: "http://www.igudo.com",
    followers_count: 19,
    friends_count: 3,
    statuses_count: 382,
    created_at: "Thu Jun 21 21:16:21 +0000 2007",
  },
  { id: "1", screen_name: "marcosgdf", name: "marcosgdf", statuses_count: 4, friends_count: 1, created_at: "Fri Apr 16 20:12:11 +0000 2010" },
  { id: "2", screen_name: "user_2", name: "User Two" },
  { id: "12345", screen_name: "noradio", name: "No Radio" },
  // A screen name that is also a valid id: `screen_name=12345` must reach this user, `user_id=12345` noradio.
  { id: "4040404", screen_name: "12345", name: "Numbers Only" },
  // Ids above 2^53, as every account created since 2022 has.
  { id: "1855000000000000999", screen_name: "future_user", name: 'Future <User> & "Co"', description: "émoji 🐦 and ]]> in a profile" },
  { id: "3000000001", screen_name: "lonely_heart", name: "Not Following", refuses: "not_following" },
  { id: "3000000002", screen_name: "blocked_you", name: "Has Blocked You", refuses: "blocked" },
];

export interface SandboxUser {
  user: XUser;
  refuses?: SandboxUserSeed["refuses"];
}

/** A complete 1.1 user object, in the field order of seed 000. */
export function toXUser(s: SandboxUserSeed): XUser {
  return {
    id: Number(s.id),
    id_str: s.id,
    name: s.name,
    screen_name: s.screen_name,
    location: s.location ?? "",
    description: s.description ?? "",
    url: s.url ?? null,
    protected: false,
    followers_count: s.followers_count ?? 0,
    friends_count: s.friends_count ?? 0,
    listed_count: 0,
    created_at: s.created_at ?? "Wed Nov 25 10:00:00 +0000 2026",
    favourites_count: 0,
    utc_offset: null,
    time_zone: null,
    geo_enabled: false,
    verified: false,
    statuses_count: s.statuses_count ?? 0,
    lang: "en",
    contributors_enabled: false,
    is_translator: false,
    profile_background_color: "C0DEED",
    profile_background_image_url: "http://abs.twimg.com/images/themes/theme1/bg.png",
    profile_background_image_url_https: "https://abs.twimg.com/images/themes/theme1/bg.png",
    profile_background_tile: false,
    profile_image_url: "http://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png",
    profile_image_url_https: "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png",
    profile_link_color: "1DA1F2",
    profile_sidebar_border_color: "C0DEED",
    profile_sidebar_fill_color: "DDEEF6",
    profile_text_color: "333333",
    profile_use_background_image: true,
    default_profile: true,
    default_profile_image: true,
    following: false,
    follow_request_sent: false,
    notifications: false,
  };
}

export function createSandboxUsers(): Map<string, SandboxUser> {
  return new Map(SEEDS.map((s) => [s.id, { user: toXUser(s), refuses: s.refuses }]));
}

const GENERATED_BASE = 9_000_000_000;
const GENERATED_NAME = /^load_([0-9]{1,7})$/i;

/**
 * Any number of extra users for load and batching tests: `load_N` has id 9000000000+N. Made on demand, so the
 * sandbox holds none of them until asked.
 */
export function findGeneratedUser(by: "id" | "screen_name", value: string): SandboxUser | undefined {
  let n: number;
  if (by === "screen_name") {
    const m = GENERATED_NAME.exec(value);
    if (!m) return undefined;
    n = Number(m[1]);
  } else {
    n = Number(value) - GENERATED_BASE;
    if (!/^[0-9]{10}$/.test(value) || n < 0 || n >= 10_000_000) return undefined;
  }
  return { user: toXUser({ id: String(GENERATED_BASE + n), screen_name: `load_${n}`, name: `Load Test ${n}` }) };
}
