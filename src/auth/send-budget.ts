import { BridgeError } from "../core/errors";
import type { OAuthCredentials } from "../oauth/signature";
import { budgetSpent, countSends, emptyCounts, uncountSend, type HourlyCounts } from "./budget-window";

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

/** In memory, per process: counts in hourly buckets over the last 24 hours (budget-window.ts). */
export function createMemorySendBudget(limits: SendLimits, clock: () => number): SendBudget {
  const counters = new Map<string, HourlyCounts>();

  function count(key: string, now: number, add: number): number {
    let c = counters.get(key);
    if (!c) counters.set(key, (c = emptyCounts(now)));
    return countSends(c, now, add);
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
        for (const [key] of keys) {
          const c = counters.get(key);
          if (c) uncountSend(c, now);
        }
      };
    },
  };
}
