import { describe, expect, it } from "vitest";
import { BridgeError } from "../../src/core/errors";
import type { OAuthCredentials } from "../../src/oauth/signature";
import { createRateLimits, resetOf, withinQuota, WINDOW_MS } from "../../src/upstream/rate-limits";

const creds = (token: string): OAuthCredentials => ({ consumerKey: "ck", consumerSecret: "cs", token, tokenSecret: "ts" });
const T0 = Date.UTC(2026, 11, 2, 4, 20, 0);

function limitsAt(start = T0, maxEntries?: number) {
  let now = start;
  const limits = createRateLimits({ clock: () => now, maxEntries });
  return { limits, advance: (ms: number) => (now += ms) };
}

describe("the upstream's rate limits, per token and endpoint", () => {
  it("refuses a token's endpoint from a 429 until its reset, with the reset to show, and nobody else", () => {
    const { limits, advance } = limitsAt();
    const reset = T0 / 1000 + 600;
    limits.record(creds("a"), "users/lookup", { "x-rate-limit-limit": "900", "x-rate-limit-remaining": "0", "x-rate-limit-reset": String(reset) }, true);
    const refused = limits.refusal(creds("a"), "users/lookup");
    expect(refused).toBeInstanceOf(BridgeError);
    expect(refused).toMatchObject({
      kind: "rate_limited",
      detail: { xCode: 88, headers: { "x-rate-limit-limit": "900", "x-rate-limit-remaining": "0", "x-rate-limit-reset": String(reset), "retry-after": "600" } },
    });
    expect(limits.refusal(creds("b"), "users/lookup")).toBeUndefined();
    expect(limits.refusal(creds("a"), "events/new")).toBeUndefined();
    advance(599_000);
    expect(limits.refusal(creds("a"), "users/lookup")?.detail.headers?.["retry-after"]).toBe("1");
    advance(1_000);
    expect(limits.refusal(creds("a"), "users/lookup")).toBeUndefined();
  });

  it("counts a success that leaves nothing remaining as spent, and any later answer with room as not", () => {
    const { limits } = limitsAt();
    limits.record(creds("a"), "events/new", { "x-rate-limit-remaining": "0", "x-rate-limit-reset": String(T0 / 1000 + 60) }, false);
    expect(limits.refusal(creds("a"), "events/new")?.kind).toBe("rate_limited");
    limits.record(creds("a"), "events/new", { "x-rate-limit-remaining": "14" }, false);
    expect(limits.refusal(creds("a"), "events/new")).toBeUndefined();
  });

  it("waits out a 429 that names no reset until Retry-After, else until the next quarter hour, never past a day", () => {
    expect(resetOf({ "retry-after": "30" }, T0)).toBe(T0 + 30_000);
    expect(resetOf(undefined, T0)).toBe(T0 + 10 * 60_000);
    expect(resetOf({ "x-rate-limit-reset": String(T0 / 1000 - 5) }, T0 + 1)).toBe(Math.ceil((T0 + 1) / WINDOW_MS) * WINDOW_MS);
    expect(resetOf({ "x-rate-limit-reset": "99999999999" }, T0)).toBe(T0 + 24 * 3_600_000);
    expect(resetOf({ "x-rate-limit-reset": "soon" }, T0)).toBe(T0 + 10 * 60_000);
  });

  it("keeps at most its configured number of spent quotas, forgetting the least recently used", () => {
    const { limits } = limitsAt(T0, 2);
    for (const t of ["a", "b", "c"]) limits.record(creds(t), "users/lookup", undefined, true);
    expect(["a", "b", "c"].map((t) => limits.refusal(creds(t), "users/lookup") !== undefined)).toEqual([false, true, true]);
  });

  it("records what the upstream answered, refused or not, and nothing for a failure that never reached it", async () => {
    const { limits } = limitsAt();
    const limited = new BridgeError("rate_limited", { upstreamStatus: 429, headers: { "x-rate-limit-reset": String(T0 / 1000 + 60) } });
    await expect(withinQuota(limits, creds("a"), "users/lookup", () => Promise.reject(limited))).rejects.toBe(limited);
    let calls = 0;
    const call = async () => (calls++, { headers: {} });
    await expect(withinQuota(limits, creds("a"), "users/lookup", call)).rejects.toMatchObject({ kind: "rate_limited" });
    expect(calls).toBe(0);
    const budget = new BridgeError("rate_limited", { headers: { "x-rate-limit-remaining": "0" } });
    await expect(withinQuota(limits, creds("b"), "events/new", () => Promise.reject(budget))).rejects.toBe(budget);
    expect(limits.refusal(creds("b"), "events/new")).toBeUndefined();
  });
});
