import { afterAll, describe, expect, it } from "vitest";
import { sendWithinBudget, type SendBudget } from "../../src/auth/send-budget";
import { BridgeError } from "../../src/core/errors";
import type { OAuthCredentials } from "../../src/oauth/signature";
import { subjects } from "./subjects";

const HOUR = 3_600_000;
const START = Date.UTC(2026, 11, 2, 10, 20);
const alice: OAuthCredentials = { consumerKey: "app-1", consumerSecret: "cs", token: "1-alice", tokenSecret: "ts" };
const bob: OAuthCredentials = { ...alice, token: "2-bob" };

async function outcome(budget: SendBudget, creds: OAuthCredentials): Promise<string> {
  try {
    await budget.reserve(creds);
    return "ok";
  } catch (e) {
    const { kind, detail } = e as BridgeError;
    const h = detail.headers ?? {};
    return `${kind} ${detail.xCode} limit ${h["x-rate-limit-limit"]} remaining ${h["x-rate-limit-remaining"]} reset ${h["x-rate-limit-reset"]}`;
  }
}

// As the memory budget has always said: the end of the hour after this one.
const RESET = String(Date.UTC(2026, 11, 2, 12) / 1000);

for (const subject of subjects()) {
  describe(`daily send budget (${subject.name})`, () => {
    afterAll(() => subject.close());

    it("counts each user and the app across replicas, and refuses with the legacy 429's headers", async () => {
      const [a, b] = (await subject.replicas(START)).budgets({ perUser: 2, perApp: 3 });
      expect(await outcome(a, alice)).toBe("ok");
      expect(await outcome(b, alice)).toBe("ok");
      expect(await outcome(a, alice)).toBe(`rate_limited 88 limit 2 remaining 0 reset ${RESET}`);
      expect(await outcome(b, bob)).toBe("ok");
      // The app's 3 are spent, though bob has one left of his own.
      expect(await outcome(a, bob)).toBe(`rate_limited 88 limit 3 remaining 0 reset ${RESET}`);
    });

    it("never overshoots when many sends reserve at once at both replicas", async () => {
      const budgets = (await subject.replicas(START)).budgets({ perUser: 5, perApp: undefined });
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => outcome(budgets[i % 2]!, alice)));
      expect(results.filter((r) => r === "ok")).toHaveLength(5);
    });

    it("gives a message back to the hour it was taken from, even once that hour has passed", async () => {
      const replicas = await subject.replicas(START);
      const [a, b] = replicas.budgets({ perUser: 2, perApp: undefined });
      const first = await a.reserve(alice);
      await b.reserve(alice);
      replicas.moveClock(HOUR);
      expect(await outcome(b, alice)).toMatch(/^rate_limited/);
      await first();
      expect(await outcome(b, alice)).toBe("ok");
      expect(await outcome(a, alice)).toMatch(/^rate_limited/);
    });

    it("counts over the last 24 hours, to the hour", async () => {
      const replicas = await subject.replicas(START);
      const [a, b] = replicas.budgets({ perUser: 1, perApp: undefined });
      await a.reserve(alice);
      replicas.moveClock(23 * HOUR);
      expect(await outcome(b, alice)).toMatch(/^rate_limited/);
      replicas.moveClock(HOUR);
      expect(await outcome(b, alice)).toBe("ok");
      expect(await outcome(a, alice)).toMatch(/^rate_limited/);
    });

    it("gives back a message the upstream refused, keeps one that timed out (it may have gone out)", async () => {
      const [a, b] = (await subject.replicas(START)).budgets({ perUser: 1, perApp: undefined });
      const refused = new BridgeError("recipient_refused", { upstreamStatus: 403 });
      await expect(sendWithinBudget(a, alice, () => Promise.reject(refused))).rejects.toBe(refused);
      expect(await sendWithinBudget(b, alice, async () => "sent")).toBe("sent");
      expect(await outcome(a, alice)).toMatch(/^rate_limited/);
      const timedOut = new BridgeError("upstream_timeout");
      await expect(sendWithinBudget(b, bob, () => Promise.reject(timedOut))).rejects.toBe(timedOut);
      expect(await outcome(a, bob)).toMatch(/^rate_limited/);
    });
  });
}
