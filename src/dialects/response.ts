import type { BridgeError } from "../core/errors";
import type { Dialect, Format, Rendered, RequestContext } from "./dialect";

/** What the gateway says about itself on an answer, whatever the dialect. */
export interface GatewayStamp {
  /** The id of this request in the log line, when the request got that far. */
  requestId?: string;
  /** Set when the upstream is the built-in sandbox, so that no answer passes for the real X API. */
  upstreamLabel?: string;
}

/** The gateway's own headers: `x-request-id`, `x-dm-bridge-upstream`, and on an error `x-dm-bridge-error` (its kind). */
export function gatewayHeaders(stamp: GatewayStamp, errorKind?: string): Record<string, string> {
  const headers: Record<string, string> = {};
  if (stamp.requestId !== undefined) headers["x-request-id"] = stamp.requestId;
  if (stamp.upstreamLabel) headers["x-dm-bridge-upstream"] = stamp.upstreamLabel;
  if (errorKind) headers["x-dm-bridge-error"] = errorKind;
  return headers;
}

/** An answer as every runtime writes it: the status, all its headers at once, the body. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string | ArrayBuffer;
}

/** A rendered answer with the gateway's own headers: what a route hands back, whichever runtime writes it. */
export function toAnswer(rendered: Rendered, stamp: GatewayStamp, errorKind?: string): Answer {
  const headers = { ...rendered.headers, "content-type": rendered.contentType, ...gatewayHeaders(stamp, errorKind) };
  return { status: rendered.status, headers, body: rendered.body };
}

/**
 * An answer as a Response, built with all its headers at once: a header added to a finished response makes the
 * Node adapter turn its cheap response into a full WHATWG one.
 */
export function responseOf(answer: Answer): Response {
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

/**
 * The one way an error becomes an answer: the dialect's error document and status, with the rate-limit and
 * Retry-After headers it passes back, `Allow: POST` on a 405, and the gateway's own headers.
 */
export function errorAnswer(dialect: Dialect, error: BridgeError, context: RequestContext, stamp: GatewayStamp = {}): Answer {
  const rendered = dialect.renderError(error, context);
  if (error.kind === "method_not_allowed") rendered.headers = { ...rendered.headers, allow: "POST" };
  return toAnswer(rendered, stamp, error.kind);
}

export function errorResponse(dialect: Dialect, error: BridgeError, context: RequestContext, stamp: GatewayStamp = {}): Response {
  return responseOf(errorAnswer(dialect, error, context, stamp));
}

/** The format a path asks for: XML by its extension, JSON otherwise (and for paths with none). */
export function formatOfPath(pathname: string): Format {
  return pathname.endsWith(".xml") ? "xml" : "json";
}
