import { BridgeError } from "../core/errors";

export const HOUR_MS = 3_600_000;
export const WINDOW_HOURS = 24;

/**
 * One budget's sends in hourly buckets over the last 24 hours: a sliding window to within an hour, O(1) memory.
 * A plain object of numbers, so that a Durable Object can store it as it is.
 */
export interface HourlyCounts {
  hour: number;
  counts: number[];
}

export function emptyCounts(now: number): HourlyCounts {
  return { hour: Math.floor(now / HOUR_MS), counts: new Array<number>(WINDOW_HOURS).fill(0) };
}

/** Adds `add` sends at `now` (0 to only read) and returns the window's total; buckets older than a day are cleared. */
export function countSends(budget: HourlyCounts, now: number, add: number): number {
  const hour = Math.floor(now / HOUR_MS);
  for (let h = Math.max(budget.hour + 1, hour - WINDOW_HOURS + 1); h <= hour; h++) budget.counts[h % WINDOW_HOURS] = 0;
  budget.hour = Math.max(budget.hour, hour);
  budget.counts[hour % WINDOW_HOURS]! += add;
  return budget.counts.reduce((a, b) => a + b, 0);
}

/** Gives one send back to the hour it was taken in, unless that hour has left the window. */
export function uncountSend(budget: HourlyCounts, takenAt: number): void {
  const hour = Math.floor(takenAt / HOUR_MS);
  if (hour > budget.hour - WINDOW_HOURS && budget.counts[hour % WINDOW_HOURS]! > 0) budget.counts[hour % WINDOW_HOURS]! -= 1;
}

/** The legacy API's answer to a spent budget: code 88 with the x-rate-limit-* headers clients back off by. */
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
