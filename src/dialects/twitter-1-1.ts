import type { DirectMessage } from "../core/direct-message";
import type { ErrorKind } from "../core/errors";
import { formatCreatedAt } from "../core/created-at";
import { withExactIds } from "../core/exact-ids";
import { flattened, JSON_TYPE, JsonInteger, RawJson, serializeJson } from "../core/json";
import { parseLegacyRequest } from "../core/legacy-request";
import type { XUser } from "../core/x-types";
import { createRenderedUsers } from "../core/rendered-users";
import type { Dialect, Rendered } from "./dialect";
import { describeInvalid, fixed, GATEWAY_ERRORS, statusOf, type CodedError } from "./error-wording";

const NOT_RENDERED = new Set(["status"]);

/** A failure of the gateway itself, worded as every dialect words it, under a 1.1 error code. */
function numbered(kind: keyof typeof GATEWAY_ERRORS, code: number): CodedError {
  const [status, message] = GATEWAY_ERRORS[kind];
  return [status, code, message];
}

/** Codes and wording from the public 1.1 error list; where 1.1 had none, the nearest one with a plain message. */
export const TWITTER_1_1_ERRORS: Record<ErrorKind, CodedError> = {
  auth_missing: [400, 215, fixed("Bad Authentication data.")],
  auth_invalid: [401, 32, fixed("Could not authenticate you.")],
  auth_timestamp: [401, 135, fixed("Timestamp out of bounds.")],
  auth_replay: [401, 32, fixed("Could not authenticate you.")],
  param_missing: [400, 38, (e) => `${e.detail.param ?? "user"} parameter is missing.`],
  param_invalid: [400, 44, (e) => describeInvalid(e.detail.param)],
  text_missing: [400, 38, fixed("text parameter is missing.")],
  text_too_long: [403, 354, fixed("The text of your direct message is over the max character limit.")],
  recipient_not_found: [404, 108, fixed("Cannot find specified user.")],
  recipient_refused: [403, 150, fixed("You cannot send messages to users who are not following you.")],
  duplicate: [403, 151, fixed("There was an error sending your message: Whoops! You already said that.")],
  rate_limited: [429, 88, fixed("Rate limit exceeded.")],
  route_not_found: [404, 34, fixed("Sorry, that page does not exist.")],
  method_not_allowed: numbered("method_not_allowed", 86),
  body_too_large: numbered("body_too_large", 44),
  unsupported_media_type: numbered("unsupported_media_type", 44),
  upstream_timeout: numbered("upstream_timeout", 130),
  upstream_unreachable: numbered("upstream_unreachable", 131),
  upstream_bad_response: numbered("upstream_bad_response", 131),
  // X's own code and sentence win where X sent them (renderError); without them, the plain internal error.
  upstream_error: [502, 131, fixed("Internal error.")],
  // 1.1's own "Over capacity" (503/130): a gateway that is draining or cannot keep its replay promise now.
  unavailable: [503, 130, fixed("Over capacity.")],
  internal: [500, 131, fixed("Internal error.")],
};

// Seed 000's user keys that X no longer sends (show_all_inline_media) or that a v2 user does not carry: a 1.1 client
// finds each key it knew, flags false, everything else null (unknown), as the other dialects render them.
const SEED_000_FLAGS = [
  "contributors_enabled",
  "default_profile",
  "default_profile_image",
  "follow_request_sent",
  "following",
  "geo_enabled",
  "is_translator",
  "notifications",
  "profile_background_tile",
  "profile_use_background_image",
  "protected",
  "show_all_inline_media",
  "verified",
];
const SEED_000_OTHERS = [
  "created_at",
  "description",
  "favourites_count",
  "followers_count",
  "friends_count",
  "lang",
  "listed_count",
  "location",
  "profile_background_color",
  "profile_background_image_url",
  "profile_background_image_url_https",
  "profile_image_url",
  "profile_image_url_https",
  "profile_link_color",
  "profile_sidebar_border_color",
  "profile_sidebar_fill_color",
  "profile_text_color",
  "statuses_count",
  "time_zone",
  "url",
  "utc_offset",
];

export function renderUser(user: XUser) {
  const rendered = withExactIds(user, NOT_RENDERED) as Record<string, unknown>;
  for (const k of SEED_000_FLAGS) if (!(k in rendered)) rendered[k] = false;
  for (const k of SEED_000_OTHERS) if (!(k in rendered)) rendered[k] = null;
  return rendered as ReturnType<typeof withExactIds>;
}

// A user's JSON, written once for each of the users rendered last.
const renderedUsers = createRenderedUsers<RawJson>();

function renderUserJson(user: XUser): RawJson {
  return renderedUsers(user, () => new RawJson(flattened(serializeJson(renderUser(user)))));
}

export const twitter11: Dialect = {
  name: "twitter-1.1",
  prefixes: ["/1.1/"],
  routes: [{ path: "/1.1/direct_messages/new", formats: ["json"] }],

  parseRequest: (params) => parseLegacyRequest(params, { byId: ["user_id"], byScreenName: ["screen_name"], ambiguous: ["user"] }),

  renderMessage(dm: DirectMessage): Rendered {
    const { sender, recipient } = dm;
    const body = serializeJson({
      id: new JsonInteger(dm.id),
      id_str: dm.id,
      text: dm.text,
      sender: renderUserJson(sender),
      sender_id: new JsonInteger(sender.id_str),
      sender_id_str: sender.id_str,
      sender_screen_name: sender.screen_name,
      recipient: renderUserJson(recipient),
      recipient_id: new JsonInteger(recipient.id_str),
      recipient_id_str: recipient.id_str,
      recipient_screen_name: recipient.screen_name,
      created_at: formatCreatedAt(dm.createdAtMs),
      entities: withExactIds(dm.entities),
    });
    return { status: 200, contentType: JSON_TYPE, body };
  },

  rateLimitHeaderNames: "x-rate-limit",

  renderError(e): Rendered {
    const [, code, message] = TWITTER_1_1_ERRORS[e.kind];
    const errors = [{ code: e.detail.xCode ?? code, message: e.detail.xMessage ?? message(e) }];
    return { status: statusOf(e, TWITTER_1_1_ERRORS), contentType: JSON_TYPE, body: JSON.stringify({ errors }), headers: e.detail.headers };
  },
};
