import { afterEach, describe, expect, it } from "vitest";
import { DEMO, type ClientCredentials } from "../helpers/legacy-client";
import { SECOND, startTwoCallers, type TwoCallers } from "../helpers/two-callers";

/** Issue 17's scenarios through the app on loopback, the sandbox's users endpoints answering in 80 ms. */
const RATE_LIMITED = '{"errors":[{"code":88,"message":"Rate limit exceeded."}]}';

let h: TwoCallers;
afterEach(() => h?.close());

async function start(sandbox: { lookupsPerWindow?: number; dailyLimitPerUser?: number } = {}) {
  h = await startTwoCallers({ lookupDelayMs: 80, ...sandbox });
}

const send = (creds: ClientCredentials, name: string, path?: string) => h.send(creds, name, path);
const burst = (asks: [ClientCredentials, string][]) => h.burst(asks);
const lookupCalls = () => h.lookupCalls();
const names = (from: number, count: number) => Array.from({ length: count }, (_, i) => `load_${from + i}`);

/** Each caller sends to a known user first, so that only the recipients' lookups are counted after it. */
async function warmUp(...callers: ClientCredentials[]) {
  for (const c of callers) expect((await send(c, "dougw")).status).toBe(200);
  return lookupCalls();
}

describe("users/lookup calls for concurrent DMs to new names, lookups answering in 80 ms", () => {
  it("200 DMs to 200 new names from one caller: at most 3 calls, every DM to its own recipient", async () => {
    await start();
    const before = await warmUp(DEMO);
    const res = await burst(names(1000, 200).map((n) => [DEMO, n]));
    expect(res.map((r) => r.status)).toEqual(Array(200).fill(200));
    expect((await Promise.all(res.map((r) => r.json()))).map((b) => b.recipient_screen_name)).toEqual(names(1000, 200));
    expect(lookupCalls() - before).toBeLessThanOrEqual(3);
  });

  it("1,000 DMs to 1,000 new names from two callers: at most 14 calls, each signed by its own caller", async () => {
    await start();
    const before = await warmUp(DEMO, SECOND);
    const asks = names(2000, 1000).map((n, i): [ClientCredentials, string] => [i % 2 ? SECOND : DEMO, n]);
    const res = await burst(asks);
    expect(res.map((r) => r.status)).toEqual(Array(1000).fill(200));
    const senders = (await Promise.all(res.map((r) => r.json()))).map((b) => b.sender_screen_name);
    expect(senders).toEqual(asks.map(([c]) => (c === DEMO ? "s0c1alm3dia" : "theSeanCook")));
    expect(lookupCalls() - before).toBeLessThanOrEqual(14);
    expect(h.sandbox.stats.events).toHaveLength(1002);
  });

  it("two callers naming the same 100 new names at once: at most 3 calls, each name looked up once", async () => {
    await start();
    const before = await warmUp(DEMO, SECOND);
    const res = await burst(
      names(4000, 100).flatMap((n): [ClientCredentials, string][] => [
        [DEMO, n],
        [SECOND, n],
      ]),
    );
    expect(res.map((r) => r.status)).toEqual(Array(200).fill(200));
    expect(lookupCalls() - before).toBeLessThanOrEqual(3);
    const looked = h.sandbox.stats.lookups.slice(-(lookupCalls() - before)).flat();
    expect(looked.sort()).toEqual(names(4000, 100).sort());
  });
});

describe("the upstream's rate limits, kept per token and endpoint", () => {
  it("after a 429 with a reset ten minutes ahead, new names cost no call and get the 429 at once; cached names still go", async () => {
    await start();
    await warmUp(DEMO);
    const reset = Math.floor(Date.now() / 1000) + 600;
    h.sandbox.setFault("users/lookup", {
      kind: "status",
      status: 429,
      body: RATE_LIMITED,
      headers: { "x-rate-limit-limit": "900", "x-rate-limit-remaining": "0", "x-rate-limit-reset": String(reset) },
    });
    const first = await send(DEMO, "load_5000");
    expect([first.status, (await first.json()).errors[0].code]).toEqual([429, 88]);
    const before = lookupCalls();
    for (const name of names(5001, 5)) {
      const res = await send(DEMO, name);
      expect([res.status, (await res.json()).errors[0].code]).toEqual([429, 88]);
      expect(res.headers.get("x-rate-limit-reset")).toBe(String(reset));
      expect(res.headers.get("x-rate-limit-remaining")).toBe("0");
    }
    expect(lookupCalls() - before).toBe(0);
    expect((await send(DEMO, "dougw")).status).toBe(200);
    expect(h.sandbox.stats.events.map((e) => e.recipient_id)).toEqual(["1401881", "1401881"]);
  });

  it("learns a spent quota from a success's x-rate-limit-remaining of 0, for that token alone", async () => {
    // The warm-up spends the token's one call: the recipient's, with the sender's own profile in it.
    await start({ lookupsPerWindow: 1 });
    await warmUp(DEMO);
    const before = lookupCalls();
    const refused = await send(DEMO, "load_1");
    expect([refused.status, (await refused.json()).errors[0].code]).toEqual([429, 88]);
    expect(Number(refused.headers.get("x-rate-limit-reset"))).toBeGreaterThan(Date.now() / 1000);
    expect(lookupCalls()).toBe(before);
    expect((await send(SECOND, "load_1")).status).toBe(200);
    expect(lookupCalls()).toBeGreaterThan(before);
  });

  it("passes the DM quota back on each message, in each dialect's header names, and refuses once it is spent", async () => {
    await start({ dailyLimitPerUser: 3 });
    const v11 = await send(DEMO, "dougw");
    expect([v11.headers.get("x-rate-limit-limit"), v11.headers.get("x-rate-limit-remaining")]).toEqual(["3", "2"]);
    const v10 = await send(DEMO, "dougw", "/1/direct_messages/new.json");
    expect([v10.headers.get("X-RateLimit-Limit"), v10.headers.get("X-RateLimit-Remaining"), v10.headers.get("x-rate-limit-remaining")]).toEqual([
      "3",
      "1",
      null,
    ]);
    const statusNet = await send(DEMO, "dougw", "/api/direct_messages/new.json");
    expect([statusNet.status, statusNet.headers.get("X-RateLimit-Remaining")]).toEqual([200, "0"]);
    const sends = h.sandbox.stats.calls["direct_messages/events/new"];
    const lookups = lookupCalls();
    const refused = await send(DEMO, "load_7", "/1/direct_messages/new.json");
    expect([refused.status, (await refused.json()).error]).toEqual([403, "This method is subject to update limits."]);
    expect(Number(refused.headers.get("X-RateLimit-Reset"))).toBeGreaterThan(Date.now() / 1000);
    expect([h.sandbox.stats.calls["direct_messages/events/new"], lookupCalls()]).toEqual([sends, lookups]);
    expect((await send(SECOND, "dougw")).status).toBe(200);
  });
});
