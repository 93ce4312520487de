import type { BridgeError, ErrorKind } from "../core/errors";
import { parseLegacyRequest } from "../core/legacy-request";
import type { Dialect, Rendered, RequestContext } from "./dialect";
import { errorHeaders, renderDocument } from "./legacy-document";
import { SEED_002_XML, toTwitter10Message, TWITTER_1_0_RECIPIENT } from "./twitter-1-0";
import { describeBadResponse, fixed, statusOf, type CodedError } from "./error-wording";

/**
 * Sina v1's five-digit codes: the first three digits are the HTTP status. Codes seen in Sina's answers are used as
 * they were (40012, 40013, 40017, 40023, 40025, 40302, 40107); 40102, 40104 and 40105 follow the order of the OAuth
 * problem list that 40107 and 40113 come from; the others follow the status rule and are not attested.
 */
export const SINA_ERRORS: Record<ErrorKind, CodedError> = {
  // No credentials at all: a 401 with a Basic challenge, which clients that only answer a challenge need.
  auth_missing: [401, 40102, fixed("Oauth Error: parameter_absent!")],
  auth_invalid: [401, 40107, fixed("Oauth Error: signature_invalid!")],
  auth_timestamp: [401, 40104, fixed("Oauth Error: timestamp_refused!")],
  auth_replay: [401, 40105, fixed("Oauth Error: nonce_used!")],
  param_missing: [400, 40001, fixed("Error: miss required parameter (id or user)!")],
  param_invalid: [400, 40001, (e) => `Error: parameter (${e.detail.param ?? "?"}) is invalid!`],
  text_missing: [400, 40012, fixed("Error: content is null!")],
  text_too_long: [400, 40013, (e) => `Error: Text too long, please input text less than ${e.detail.limit ?? 10_000} characters!`],
  recipient_not_found: [400, 40023, fixed("Error: User does not exists!")],
  recipient_refused: [400, 40017, fixed("Error: can't send direct message to user who is not your follower!")],
  duplicate: [400, 40025, fixed("Error: repeated weibo text!")],
  rate_limited: [403, 40308, fixed("Error: This method is subject to update limits!")],
  route_not_found: [404, 40400, fixed("Error: Request api not found!")],
  method_not_allowed: [405, 40500, fixed("Error: HTTP method is not suported for this request!")],
  body_too_large: [413, 41300, (e) => `Error: request body is larger than ${e.detail.limit ?? "the limit of"} bytes!`],
  unsupported_media_type: [415, 41500, fixed("Error: parameters must be sent as application/x-www-form-urlencoded!")],
  upstream_timeout: [504, 50400, fixed("Error: the X API did not answer in time; the message may not have been sent!")],
  upstream_unreachable: [502, 50200, fixed("Error: the X API could not be reached!")],
  upstream_bad_response: [502, 50200, (e) => `Error: ${describeBadResponse(e)}`],
  upstream_error: [502, 50200, (e) => (e.detail.xMessage ? `Error: ${e.detail.xMessage}` : "Error: system error!")],
  unavailable: [503, 50300, fixed("Error: service unavailable, try again later!")],
  internal: [500, 50000, fixed("Error: system error!")],
};

const BASIC_FAILED: CodedError = [403, 40302, fixed("Error: auth faild!")];

/** A failed HTTP Basic login is Sina's "auth faild" (403); a failed OAuth signature is its OAuth error (401). */
function entryFor(e: BridgeError): CodedError {
  if (e.kind === "auth_invalid" && e.detail.scheme === "basic") return BASIC_FAILED;
  return SINA_ERRORS[e.kind];
}

export function renderSinaError(e: BridgeError, renderContext: RequestContext): Rendered {
  const [tableStatus, tableCode, message] = entryFor(e);
  const status = e.kind === "upstream_error" ? statusOf(e, SINA_ERRORS) : tableStatus;
  // Keeps the code's first three digits equal to the status when an upstream error keeps its own status.
  const code = Math.floor(tableCode / 100) === status ? tableCode : status * 100;
  const value = { request: renderContext.requestPath, error_code: String(status), error: `${code}:${message(e)}` };
  return renderDocument(renderContext.format, "hash", value, status, SEED_002_XML, errorHeaders(e, status, "Weibo API", "X-RateLimit"));
}

/**
 * Sina Weibo v1 (api.t.sina.com.cn), a copy of Twitter 1.0: the same path, parameters and message (seed 002), with
 * its own error form. It shares the unversioned path with Twitter 1.0 and serves it only where the deployment
 * prefers it (UNVERSIONED_ERROR_FORM=sina); either way a Sina client's request and the message it gets back are the
 * same.
 */
export const sinaWeibo: Dialect = {
  name: "sina-weibo",
  prefixes: ["/direct_messages/"],
  routes: [{ path: "/direct_messages/new", formats: ["json", "xml"] }],

  parseRequest: (params) => parseLegacyRequest(params, TWITTER_1_0_RECIPIENT),

  renderMessage: (dm, renderContext) => renderDocument(renderContext.format, "direct_message", toTwitter10Message(dm), 200, SEED_002_XML),

  rateLimitHeaderNames: "X-RateLimit",

  renderError: renderSinaError,
};
