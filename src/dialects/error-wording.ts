import type { BridgeError, ErrorKind } from "../core/errors";

/** Wording and status rules every dialect shares, whatever its document looks like. */

/** A sentence that does not depend on the error. */
export const fixed = (sentence: string) => () => sentence;

/** An error answer of the dialects that number their errors (Twitter 1.1, Sina): HTTP status, code, sentence. */
export type CodedError = readonly [status: number, code: number, message: (e: BridgeError) => string];

export function describeInvalid(param: string | undefined): string {
  if (param === "encoding") return "The request is not valid UTF-8.";
  if (param === "body") return "The request body could not be read.";
  return `${param ?? "A"} parameter is invalid.`;
}

/** An unreadable answer to a send the X API accepted (2xx) may hide a delivered message: the client must know. */
export function describeBadResponse(e: BridgeError): string {
  const upstreamStatus = e.detail.upstreamStatus;
  if (upstreamStatus !== undefined && upstreamStatus >= 200 && upstreamStatus < 300)
    return "The X API accepted the message, but its answer could not be read: it may have been sent.";
  return "The X API sent an answer that could not be read.";
}

/**
 * Status for an error, keeping an upstream error's own status where no legacy rule says otherwise, except that an
 * upstream 500 becomes 502: the fault is behind the gateway, and a bare 500 would blame the gateway itself.
 */
export function statusOf(e: BridgeError, table: Record<ErrorKind, readonly [number, ...unknown[]]>): number {
  const upstreamStatus = e.detail.upstreamStatus;
  if (e.kind === "upstream_error" && upstreamStatus !== undefined && upstreamStatus >= 400 && upstreamStatus <= 599) {
    return upstreamStatus === 500 ? 502 : upstreamStatus;
  }
  return table[e.kind][0];
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
