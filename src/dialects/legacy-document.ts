import type { BridgeError, ErrorKind } from "../core/errors";
import { JSON_TYPE, serializeJson, type JsonValue } from "../core/json";
import { buildXmlDocument, XML_TYPE, type XmlDocumentOptions } from "../core/xml";
import type { Format, Rendered } from "./dialect";
import { describeBadResponse, fixed } from "./error-wording";
import { rateLimitHeaders, type RateLimitHeaderNames } from "./rate-limit-headers";

/** Shared by the JSON-and-XML dialects: one ordered value, written as the JSON object or as the XML element. */
export function renderDocument(
  format: Format,
  root: string,
  value: Record<string, JsonValue>,
  status: number,
  xml: XmlDocumentOptions = {},
  headers?: Record<string, string>,
): Rendered {
  if (format === "xml") return { status, contentType: XML_TYPE, body: buildXmlDocument(root, value, xml), headers };
  return { status, contentType: JSON_TYPE, body: serializeJson(value), headers };
}

/** A dialect's answer to each error kind: HTTP status and the sentence its clients show. */
export type LegacyErrorTable = Record<ErrorKind, readonly [status: number, message: (e: BridgeError) => string]>;

/**
 * Failures of the gateway itself, which no legacy server had: every dialect with plain-sentence errors words them
 * the same way.
 */
export const GATEWAY_ERRORS = {
  method_not_allowed: [405, fixed("This method requires a POST.")],
  body_too_large: [413, (e: BridgeError) => `Request body is larger than ${e.detail.limit ?? "the limit of"} bytes.`],
  unsupported_media_type: [415, fixed("Parameters must be sent as application/x-www-form-urlencoded.")],
  upstream_timeout: [504, fixed("The X API did not answer in time; the message may not have been sent.")],
  upstream_unreachable: [502, fixed("The X API could not be reached.")],
  upstream_bad_response: [502, describeBadResponse],
  // X's own sentence where X sent one: a code no legacy rule names (326, 214, …) still says what went wrong.
  upstream_error: [502, (e: BridgeError) => e.detail.xMessage ?? "Internal error."],
  unavailable: [503, fixed("The service is unavailable for a moment; try again shortly.")],
  internal: [500, fixed("Internal error.")],
} as const satisfies Partial<LegacyErrorTable>;

const AUTH_KINDS: ReadonlySet<ErrorKind> = new Set(["auth_missing", "auth_invalid", "auth_timestamp", "auth_replay"]);

/**
 * Headers of an error answer: the upstream's rate-limit state under the dialect's names, and on a 401 the Basic
 * challenge these servers sent, which is what makes a Basic-only client (Net::Twitter, curl --anyauth) send its
 * password at all.
 */
export function errorHeaders(e: BridgeError, status: number, realm: string, names: RateLimitHeaderNames): Record<string, string> | undefined {
  const limits = rateLimitHeaders(e.detail.headers, names);
  if (status !== 401 || !AUTH_KINDS.has(e.kind)) return limits;
  return { ...limits, "www-authenticate": `Basic realm="${realm}"` };
}
