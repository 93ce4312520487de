import { createGrownLru } from "../grown-lru";
import { BridgeError } from "../core/errors";
import type { OAuthCredentials } from "../oauth/signature";
import type { UpstreamAnswer } from "./upstream-fetch";

/**
 * The upstream endpoints whose per-token quota the proxy keeps track of. On the v2 API, `GET /2/users/by` and
 * `GET /2/users` count as users/lookup (many users a call) and `GET /2/users/by/username/:name` as users/show (one).
 */
export type LimitedEndpoint = "users/lookup" | "users/show" | "events/new";

export interface RateLimits {
  /** While the caller's quota for the endpoint is spent: the rate-limit error to answer at once, without a call. */
  refusal(creds: OAuthCredentials, endpoint: LimitedEndpoint): BridgeError | undefined;
  /** What an upstream answer said of the quota: its rate-limit headers, and whether it refused for the rate limit. */
  record(creds: OAuthCredentials, endpoint: LimitedEndpoint, headers: Record<string, string> | undefined, limited: boolean): void;
}

export interface RateLimitOptions {
  clock: () => number;
  /** Spent quotas remembered at once (token and endpoint), least recently used forgotten first. */
  maxEntries?: number;
}

interface Spent {
  resetAtMs: number;
  limit?: string;
}

/** X's rate-limit windows are 15 minutes long. */
export const WINDOW_MS = 15 * 60_000;
/** No reset is believed further ahead than the longest window X has (the daily DM limit). */
const MAX_BACKOFF_MS = 24 * 3_600_000;

/**
 * When a spent quota comes back, in ms since the epoch: `x-rate-limit-reset` (seconds) when it is in the future,
 * else `Retry-After` (seconds), else the next quarter hour of the clock: a 429 that says nothing is waited out for
 * at most one 15-minute window, X's window length, and every process of a deployment waits for the same instant.
 * Never further than 24 hours ahead, whatever a header says.
 */
export function resetOf(headers: Record<string, string> | undefined, now: number): number {
  const reset = Number(headers?.["x-rate-limit-reset"]);
  const retryAfter = Number(headers?.["retry-after"]);
  let at: number;
  if (Number.isFinite(reset) && reset * 1000 > now) at = reset * 1000;
  else if (Number.isFinite(retryAfter) && retryAfter > 0) at = now + retryAfter * 1000;
  else at = Math.floor(now / WINDOW_MS) * WINDOW_MS + WINDOW_MS;
  return Math.min(at, now + MAX_BACKOFF_MS);
}

/**
 * Per token and endpoint, in this process's memory: a quota the upstream said was spent (remaining 0, or a 429) is
 * refused here until its reset, so that no call is spent on a certain 429; any answer that says otherwise, or the
 * reset passing, clears it. Other tokens, and the same token's other endpoints, are not affected.
 */
export function createRateLimits(options: RateLimitOptions): RateLimits {
  const spent = createGrownLru<string, Spent>(options.maxEntries ?? 10_000);
  const keyOf = (creds: OAuthCredentials, endpoint: LimitedEndpoint) => `${creds.consumerKey}\n${creds.token}\n${endpoint}`;

  return {
    refusal(creds, endpoint) {
      if (spent.size === 0) return undefined;
      const key = keyOf(creds, endpoint);
      const s = spent.get(key);
      if (!s) return undefined;
      const now = options.clock();
      if (s.resetAtMs <= now) {
        spent.delete(key);
        return undefined;
      }
      const headers: Record<string, string> = {
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": String(Math.ceil(s.resetAtMs / 1000)),
        "retry-after": String(Math.ceil((s.resetAtMs - now) / 1000)),
      };
      return new BridgeError("rate_limited", { xCode: 88, headers: s.limit ? { "x-rate-limit-limit": s.limit, ...headers } : headers });
    },

    record(creds, endpoint, headers, limited) {
      const key = keyOf(creds, endpoint);
      if (!limited && headers?.["x-rate-limit-remaining"] !== "0") {
        if (spent.size > 0) spent.delete(key);
        return;
      }
      spent.set(key, { resetAtMs: resetOf(headers, options.clock()), limit: headers?.["x-rate-limit-limit"] });
    },
  };
}

/**
 * One upstream call that counts against an endpoint's quota: refused at once while the quota is spent, and what
 * the upstream answers (or refuses) recorded. Errors that never reached the upstream record nothing.
 */
export async function withinQuota<A extends Pick<UpstreamAnswer, "headers">>(
  limits: RateLimits,
  creds: OAuthCredentials,
  endpoint: LimitedEndpoint,
  call: () => Promise<A>,
): Promise<A> {
  const refused = limits.refusal(creds, endpoint);
  if (refused) throw refused;
  let answer: A;
  try {
    answer = await call();
  } catch (err) {
    if (err instanceof BridgeError && err.detail.upstreamStatus !== undefined) {
      limits.record(creds, endpoint, err.detail.headers, err.kind === "rate_limited");
    }
    throw err;
  }
  limits.record(creds, endpoint, answer.headers, false);
  return answer;
}
