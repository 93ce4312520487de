import type { BridgeError, ErrorKind } from "../core/errors";
import { JSON_TYPE, serializeJson, type JsonValue } from "../core/json";
import { buildXmlDocument, XML_TYPE, type XmlDocumentOptions } from "../core/xml";
import type { Format, Rendered, RequestContext } from "./dialect";
import { statusOf, type LegacyErrorTable } from "./error-wording";
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

/** How a plain-sentence dialect (Twitter 1.0, StatusNet) writes its `<hash>` error document. */
export interface SentenceErrorForm {
  table: LegacyErrorTable;
  xml: XmlDocumentOptions;
  /** The realm of the Basic challenge on a 401. */
  realm: string;
  /** Twitter 1.0's XML names the request before the error; its JSON, and StatusNet's both forms, the error first. */
  requestFirstInXml?: boolean;
}

export function renderSentenceError(e: BridgeError, renderContext: RequestContext, form: SentenceErrorForm): Rendered {
  const status = statusOf(e, form.table);
  const error = form.table[e.kind][1](e);
  const { format, requestPath } = renderContext;
  const value = form.requestFirstInXml && format === "xml" ? { request: requestPath, error } : { error, request: requestPath };
  return renderDocument(format, "hash", value, status, form.xml, errorHeaders(e, status, form.realm, "X-RateLimit"));
}
