import type { RATE_LIMIT_HEADERS } from "../core/errors";

/**
 * How a dialect names the upstream's rate-limit headers: Twitter 1.1 used X's own `x-rate-limit-*`; Twitter 1.0
 * wrote `X-RateLimit-*`, and StatusNet and Sina, which copied its API, did the same. `Retry-After` is HTTP's own.
 */
export type RateLimitHeaderNames = "x-rate-limit" | "X-RateLimit";

const X_RATELIMIT: Record<string, string> & Record<(typeof RATE_LIMIT_HEADERS)[number], string> = {
  "x-rate-limit-limit": "X-RateLimit-Limit",
  "x-rate-limit-remaining": "X-RateLimit-Remaining",
  "x-rate-limit-reset": "X-RateLimit-Reset",
};

/** The upstream's rate-limit headers (lower-case, as passed back) under the dialect's names. */
export function rateLimitHeaders(upstream: Record<string, string> | undefined, names: RateLimitHeaderNames): Record<string, string> | undefined {
  if (!upstream || names === "x-rate-limit") return upstream;
  const renamed: Record<string, string> = {};
  for (const [name, value] of Object.entries(upstream)) renamed[X_RATELIMIT[name] ?? name] = value;
  return renamed;
}
