import type { BridgeError, ErrorKind } from "../core/errors";
import { JSON_TYPE, serializeJson, type JsonValue } from "../core/json";
import { buildXmlDocument, XML_TYPE, type XmlDocumentOptions } from "../core/xml";
import type { Format, Rendered } from "./dialect";
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
