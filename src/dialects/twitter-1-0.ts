import { formatCreatedAt } from "../core/created-at";
import type { DirectMessage } from "../core/direct-message";
import type { BridgeError } from "../core/errors";
import { JsonInteger, type JsonValue } from "../core/json";
import { parseLegacyRequest, type RecipientParamRules } from "../core/legacy-request";
import { pickUserFields, TWITTER_1_0_USER_FIELDS } from "../core/legacy-user";
import type { Dialect, Rendered, RequestContext } from "./dialect";
import { renderDocument, renderSentenceError } from "./legacy-document";
import { describeInvalid, fixed, GATEWAY_ERRORS, type LegacyErrorTable } from "./error-wording";

/**
 * `user` takes an id or a screen name (all digits: an id, so `user=12345` is user 12345, never the account named
 * "12345"); `screen_name` and `user_id` disambiguate and win over it. Sina's later documents call `user` `id`;
 * both are read on the path the two share. `source`, Sina's app key, never affects the send.
 */
export const TWITTER_1_0_RECIPIENT: RecipientParamRules = {
  byId: ["user_id"],
  byScreenName: ["screen_name"],
  ambiguous: ["user", "id"],
  ignored: ["source"],
};

/** Seed 002's `<direct_message>`: children in its order, users as its user element. */
export function toTwitter10Message(dm: DirectMessage): Record<string, JsonValue> {
  return {
    id: new JsonInteger(dm.id),
    sender_id: new JsonInteger(dm.sender.id_str),
    text: dm.text,
    recipient_id: new JsonInteger(dm.recipient.id_str),
    created_at: formatCreatedAt(dm.createdAtMs),
    sender_screen_name: dm.sender.screen_name,
    recipient_screen_name: dm.recipient.screen_name,
    sender: pickUserFields(dm.sender, TWITTER_1_0_USER_FIELDS),
    recipient: pickUserFields(dm.recipient, TWITTER_1_0_USER_FIELDS),
  };
}

/** Seed 002 writes one element a line, unindented. */
export const SEED_002_XML = { indentBy: "" };

const AUTH_FAILED = fixed("Could not authenticate you.");

/** Statuses and sentences of the 1.0 API where it had them; where it had none, the 1.1 wording. */
export const TWITTER_1_0_ERRORS: LegacyErrorTable = {
  auth_missing: [401, AUTH_FAILED],
  auth_invalid: [401, AUTH_FAILED],
  auth_timestamp: [401, fixed("Timestamp out of bounds.")],
  auth_replay: [401, fixed("Invalid / used nonce")],
  param_missing: [400, fixed("user parameter is missing.")],
  param_invalid: [400, (e) => describeInvalid(e.detail.param)],
  text_missing: [400, fixed("text parameter is missing.")],
  text_too_long: [403, fixed("The text of your direct message is over the max character limit.")],
  recipient_not_found: [404, fixed("Cannot find specified user.")],
  recipient_refused: [403, (e) => e.detail.xMessage ?? "You cannot send messages to users who are not following you."],
  duplicate: [403, fixed("There was an error sending your message: Whoops! You already said that.")],
  rate_limited: [403, fixed("This method is subject to update limits.")],
  route_not_found: [404, fixed("Not found")],
  ...GATEWAY_ERRORS,
};

/** Twitter's pre-2012 error document: XML names the request first, JSON the error first. */
export function renderTwitter10Error(e: BridgeError, renderContext: RequestContext): Rendered {
  return renderSentenceError(e, renderContext, { table: TWITTER_1_0_ERRORS, xml: SEED_002_XML, realm: "Twitter API", requestFirstInXml: true });
}

export const twitter10: Dialect = {
  name: "twitter-1.0",
  prefixes: ["/1/", "/direct_messages/"],
  routes: [
    { path: "/1/direct_messages/new", formats: ["json", "xml"] },
    // Shared with Sina Weibo v1, whose clients call it too: the registry's order (or the deployment) picks the error form.
    { path: "/direct_messages/new", formats: ["json", "xml"] },
  ],

  parseRequest: (params) => parseLegacyRequest(params, TWITTER_1_0_RECIPIENT),

  renderMessage: (dm, renderContext) => renderDocument(renderContext.format, "direct_message", toTwitter10Message(dm), 200, SEED_002_XML),

  rateLimitHeaderNames: "X-RateLimit",

  renderError: renderTwitter10Error,
};
