import { formatCreatedAt } from "../core/created-at";
import type { DirectMessage } from "../core/direct-message";
import type { BridgeError } from "../core/errors";
import { JsonInteger, type JsonValue } from "../core/json";
import { MAX_TEXT_CHARS, parseLegacyRequest } from "../core/legacy-request";
import { LEGACY_USER_OPENING, pickUserFields, type UserField } from "../core/legacy-user";
import type { XUser } from "../core/x-types";
import type { Dialect, Format, Rendered, RequestContext } from "./dialect";
import { renderDocument, renderSentenceError } from "./legacy-document";
import { describeInvalid, fixed, GATEWAY_ERRORS, type LegacyErrorTable } from "./error-wording";

const profileUrl = (u: XUser) => `https://x.com/${u.screen_name}`;

/** Seed 001's common user fields, in its order (XML and JSON agree up to `contributors_enabled`). */
const SEED_001_COMMON: readonly UserField[] = [
  ...LEGACY_USER_OPENING,
  ["created_at", "text"],
  ["favourites_count", "count"],
  ["statuses_count", "count"],
  ["friends_count", "count"],
  ["following", "flag"],
  ["utc_offset", "count"],
];

/**
 * Seed 001's fields after the common ones, which its XML writes after `geo_enabled` and its JSON before it. Jisko's
 * JSON spelling `contributions_enabled` is its typo; both forms here say `contributors_enabled`, as its XML does.
 */
const SEED_001_LATER: readonly UserField[] = [
  ["time_zone", "text"],
  ["profile_background_image_url", "text"],
  ["profile_background_tile", "flag"],
  ["notifications", "flag"],
  ["verified", "flag"],
  ["lang", "text"],
  ["contributors_enabled", "flag"],
];

/** Seed 001's XML user element, then the two elements StatusNet and GNU social add in their namespace. */
const XML_USER: readonly UserField[] = [
  ...SEED_001_COMMON,
  ["geo_enabled", "flag"],
  ...SEED_001_LATER,
  // Blocking is not in X's user object; a user the sender has blocked cannot be messaged anyway.
  ["statusnet:blocking", () => false],
  ["statusnet:profile_url", profileUrl],
];

const JSON_USER: readonly UserField[] = [
  ...SEED_001_COMMON,
  ...SEED_001_LATER,
  ["geo_enabled", "flag"],
  ["statusnet_blocking", () => false],
  ["statusnet_profile_url", profileUrl],
];

const NAMESPACE = { "xmlns:statusnet": "http://status.net/schema/api/1/" };
const SEED_001_XML = { indentBy: " " };

/** Seed 001's message, in its order; numbers as numbers (Jisko's quoted counts are its bug, not the shape). */
export function toStatusNetMessage(dm: DirectMessage, format: Format): Record<string, JsonValue> {
  const fields = format === "xml" ? XML_USER : JSON_USER;
  return {
    id: new JsonInteger(dm.id),
    created_at: formatCreatedAt(dm.createdAtMs),
    text: dm.text,
    sender_id: new JsonInteger(dm.sender.id_str),
    recipient_id: new JsonInteger(dm.recipient.id_str),
    sender_screen_name: dm.sender.screen_name,
    recipient_screen_name: dm.recipient.screen_name,
    sender: pickUserFields(dm.sender, fields),
    recipient: pickUserFields(dm.recipient, fields),
  };
}

const AUTH_FAILED = fixed("Could not authenticate you.");
const NOT_FOUND = fixed("Recipient user not found.");

/** StatusNet's apidirectmessagenew: text problems are 406, a recipient it cannot find (or none given) 403. */
export const STATUSNET_ERRORS: LegacyErrorTable = {
  auth_missing: [401, AUTH_FAILED],
  auth_invalid: [401, AUTH_FAILED],
  auth_timestamp: [401, AUTH_FAILED],
  auth_replay: [401, AUTH_FAILED],
  param_missing: [403, NOT_FOUND],
  param_invalid: [400, (e) => describeInvalid(e.detail.param)],
  text_missing: [406, fixed("No message text!")],
  text_too_long: [406, (e) => `That's too long. Maximum message size is ${e.detail.limit ?? MAX_TEXT_CHARS} characters.`],
  recipient_not_found: [403, NOT_FOUND],
  recipient_refused: [403, fixed("Can't send direct messages to users who aren't your friend.")],
  duplicate: [403, fixed("There was an error sending your message: Whoops! You already said that.")],
  rate_limited: [403, fixed("Too many messages too fast; take a breather and send again in a few minutes.")],
  route_not_found: [404, fixed("API method not found.")],
  ...GATEWAY_ERRORS,
};

function renderStatusNetError(e: BridgeError, renderContext: RequestContext): Rendered {
  return renderSentenceError(e, renderContext, { table: STATUSNET_ERRORS, xml: SEED_001_XML, realm: "dm-bridge API" });
}

/** StatusNet, GNU social and Jisko (seed 001), under `/api` or `/index.php/api` as those installs were reached. */
export const statusNet: Dialect = {
  name: "statusnet",
  prefixes: ["/api/", "/index.php/api/"],
  routes: [
    { path: "/api/direct_messages/new", formats: ["json", "xml"] },
    { path: "/index.php/api/direct_messages/new", formats: ["json", "xml"] },
  ],

  // `user` first (all digits: an id), then `user_id`, then `screen_name`, as StatusNet's getTargetUser read them.
  parseRequest: (params) =>
    parseLegacyRequest(params, {
      byId: ["user_id"],
      byScreenName: ["screen_name"],
      ambiguous: ["user"],
      precedence: ["ambiguous", "byId", "byScreenName"],
      ignored: ["source"],
    }),

  renderMessage: (dm, renderContext) =>
    renderDocument(renderContext.format, "direct_message", toStatusNetMessage(dm, renderContext.format), 200, { ...SEED_001_XML, rootAttributes: NAMESPACE }),

  rateLimitHeaderNames: "X-RateLimit",

  renderError: renderStatusNetError,
};
