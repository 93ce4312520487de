import { readBodyLimited } from "./read-body";

/**
 * One HTTP request as the gateway's routes read it. A web Request (Hono, on Workers and on Node) and Node's own
 * IncomingMessage (the sidecar's direct route for legacy sends, src/node/node-listener.ts) both give one, so the
 * same core function serves both without building one from the other.
 */
export interface IncomingCall {
  method: string;
  /** The absolute URL the request arrived at. */
  url: string;
  /** A header's value, or null; `name` in lower case. */
  header(name: string): string | null;
  /**
   * The whole body, at most `maxBytes`: BridgeError `body_too_large` past it (refused early on a declared length),
   * `param_invalid` when the body stops arriving (the client went away mid-request: its fault, not a 500).
   */
  body(maxBytes: number): Promise<Uint8Array>;
}

/** The media type the body declares (`Content-Type` without its parameters, lower case); "" when none. */
export function mediaTypeOf(call: IncomingCall): string {
  return (call.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

/** A web Request as an IncomingCall. */
export function callOfRequest(request: Request): IncomingCall {
  return {
    method: request.method,
    url: request.url,
    header: (name) => request.headers.get(name),
    body: (maxBytes) => readBodyLimited(request, maxBytes),
  };
}
