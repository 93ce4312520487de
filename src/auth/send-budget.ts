import { BridgeError } from "../core/errors";
import type { OAuthCredentials } from "../oauth/signature";

/**
 * The events API allows 1000 messages per user and 15000 per app in 24 hours. Counting here lets the proxy refuse
 * early with the legacy rate-limit error instead of spending an upstream call on a certain 429.
 */
export interface SendBudget {
  /**
   * Takes one message from the caller's and the app's budgets before it is sent, so that concurrent sends cannot
   * overshoot, or throws rate_limited when either is spent. Returns the function that gives the message back.
   */
  reserve(creds: OAuthCredentials): Release | Promise<Release>;
}

export type Release = () => void | Promise<void>;

/**
 * One send against the budget: reserved first, given back only when the upstream answered that it did not send
 * (an error status). A timeout or a broken connection may have delivered the message, so it stays counted.
 */
export async function sendWithinBudget<T>(
  budget: SendBudget | undefined,
  creds: OAuthCredentials,
  send: () => Promise<T>,
  refusedUpstream: (result: T) => boolean = () => false,
): Promise<T> {
  const release = await budget?.reserve(creds);
  let result: T;
  try {
    result = await send();
  } catch (err) {
    const status = err instanceof BridgeError ? err.detail.upstreamStatus : undefined;
    if (status !== undefined && status >= 400) await release?.();
    throw err;
  }
  if (refusedUpstream(result)) await release?.();
  return result;
}

export interface SendLimits {
  perUser: number | undefined;
  perApp: number | undefined;
}

export const HOUR_MS = 3_600_000;
export const WINDOW_HOURS = 24;

/** The legacy refusal of a spent budget, with the x-rate-limit-* headers X sends: every budget answers the same. */
export function budgetSpent(limit: number, now: number): BridgeError {
  return new BridgeError("rate_limited", {
    xCode: 88,
    xMessage: "Rate limit exceeded.",
    headers: {
      "x-rate-limit-limit": String(limit),
      "x-rate-limit-remaining": "0",
      "x-rate-limit-reset": String(Math.ceil((now + HOUR_MS) / HOUR_MS) * 3_600),
    },
  });
}

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

  function uncount(key: string, takenAt: number): void {
    const c = counters.get(key);
    const hour = Math.floor(takenAt / HOUR_MS);
    if (c && hour > c.hour - WINDOW_HOURS && c.counts[hour % WINDOW_HOURS]! > 0) c.counts[hour % WINDOW_HOURS]! -= 1;
  }

  const keysOf = (creds: OAuthCredentials) =>
    [
      [`user:${creds.consumerKey}:${creds.token}`, limits.perUser],
      [`app:${creds.consumerKey}`, limits.perApp],
    ] as const;

  return {
    reserve(creds) {
      const now = clock();
      const keys = keysOf(creds).filter(([, limit]) => limit !== undefined);
      for (const [key, limit] of keys) {
        if (count(key, now, 0) >= limit!) throw budgetSpent(limit!, now);
      }
      for (const [key] of keys) count(key, now, 1);
      // Given back in the hour it was taken from, which may have passed by the time the upstream answers.
      return () => {
        for (const [key] of keys) uncount(key, now);
      };
    },
  };
}
