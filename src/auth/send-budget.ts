import { BridgeError } from "../core/errors";
import type { OAuthCredentials } from "../oauth/signature";

/**
 * The events API allows 1000 messages per user and 15000 per app in 24 hours. Counting here lets the proxy refuse
 * early with the legacy rate-limit error instead of spending an upstream call on a certain 429.
 */
export interface SendBudget {
  /** Throws rate_limited when the caller's or the app's budget is spent. */
  check(creds: OAuthCredentials): void | Promise<void>;
  record(creds: OAuthCredentials): void | Promise<void>;
}

export interface SendLimits {
  perUser: number | undefined;
  perApp: number | undefined;
}

const HOUR_MS = 3_600_000;
const WINDOW_HOURS = 24;

/** Counts in hourly buckets over the last 24 hours: a sliding window to within an hour, O(1) memory per key. */
export function createMemorySendBudget(limits: SendLimits, clock: () => number): SendBudget {
  const counters = new Map<string, { hour: number; counts: number[] }>();

  function count(key: string, now: number, add: number): number {
    const hour = Math.floor(now / HOUR_MS);
    let c = counters.get(key);
    if (!c) counters.set(key, (c = { hour, counts: new Array(WINDOW_HOURS).fill(0) }));
    for (let h = Math.max(c.hour + 1, hour - WINDOW_HOURS + 1); h <= hour; h++) c.counts[h % WINDOW_HOURS] = 0;
    c.hour = Math.max(c.hour, hour);
    c.counts[hour % WINDOW_HOURS]! += add;
    return c.counts.reduce((a, b) => a + b, 0);
  }

  const keysOf = (creds: OAuthCredentials) =>
    [
      [`user:${creds.consumerKey}:${creds.token}`, limits.perUser],
      [`app:${creds.consumerKey}`, limits.perApp],
    ] as const;

  return {
    check(creds) {
      const now = clock();
      for (const [key, limit] of keysOf(creds)) {
        if (limit !== undefined && count(key, now, 0) >= limit) {
          throw new BridgeError("rate_limited", {
            xCode: 88,
            xMessage: "Rate limit exceeded.",
            headers: {
              "x-rate-limit-limit": String(limit),
              "x-rate-limit-remaining": "0",
              "x-rate-limit-reset": String(Math.ceil((now + HOUR_MS) / HOUR_MS) * 3_600),
            },
          });
        }
      }
    },
    record(creds) {
      const now = clock();
      for (const [key, limit] of keysOf(creds)) if (limit !== undefined) count(key, now, 1);
    },
  };
}
