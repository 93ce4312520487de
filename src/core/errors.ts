/**
 * Every failure the gateway can answer with. Dialects render a kind into their own document and status; nothing
 * else decides what a client sees.
 */
export const ERROR_KINDS = [
  "auth_missing",
  "auth_invalid",
  "auth_timestamp",
  "auth_replay",
  "param_missing",
  "param_invalid",
  "text_missing",
  "text_too_long",
  "recipient_not_found",
  "recipient_refused",
  "duplicate",
  "rate_limited",
  "route_not_found",
  "method_not_allowed",
  "body_too_large",
  "unsupported_media_type",
  "upstream_timeout",
  "upstream_unreachable",
  "upstream_bad_response",
  "upstream_error",
  "unavailable",
  "internal",
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

/** X's rate-limit headers, lower-case as an upstream answer is read. */
export const RATE_LIMIT_HEADERS = ["x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"] as const;

/** The headers of an upstream answer a client must see again: its rate-limit state and HTTP's own Retry-After. */
export const PASSED_BACK_HEADERS = [...RATE_LIMIT_HEADERS, "retry-after"] as const;

export interface ErrorDetail {
  /** The parameter at fault, for param_missing / param_invalid. */
  param?: string;
  /** The X API's own error code and message, when the upstream gave one. */
  xCode?: number;
  xMessage?: string;
  upstreamStatus?: number;
  /** Headers the client must see again (PASSED_BACK_HEADERS), lower-case. */
  headers?: Record<string, string>;
  limit?: number;
  /** Set when HTTP Basic credentials failed, for dialects that word that apart from an OAuth failure (Sina). */
  scheme?: "basic";
}

export class BridgeError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly detail: ErrorDetail = {},
  ) {
    super(kind);
    this.name = "BridgeError";
  }
}

/** X API error codes, grouped by what they mean to a legacy client (codes from the public 1.1 error list). */
const X_CODE_KINDS: Record<number, ErrorKind> = {
  17: "recipient_not_found",
  34: "recipient_not_found",
  50: "recipient_not_found",
  63: "recipient_not_found",
  108: "recipient_not_found",
  150: "recipient_refused",
  349: "recipient_refused",
  151: "duplicate",
  354: "text_too_long",
  88: "rate_limited",
  32: "auth_invalid",
  89: "auth_invalid",
  215: "auth_invalid",
  135: "auth_timestamp",
};

export function classifyXError(code: number | undefined, status: number): ErrorKind {
  const byCode = code === undefined ? undefined : X_CODE_KINDS[code];
  if (byCode) return byCode;
  if (status === 429) return "rate_limited";
  if (status === 401) return "auth_invalid";
  return "upstream_error";
}

export function toBridgeError(err: unknown): BridgeError {
  return err instanceof BridgeError ? err : new BridgeError("internal");
}
