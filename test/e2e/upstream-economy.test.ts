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

const DEMO_ID = "776627022";
const SECOND_ID = "38895958";

// Counted cold, from a fresh proxy: the callers' own profiles, which every answer renders, are not cached either.
describe("users/lookup calls for concurrent DMs to new names from a cold start, lookups answering in 80 ms", () => {
  it("200 DMs to 200 new names from one caller: at most 3 calls, every DM to its own recipient", async () => {
    await start();
    const res = await burst(names(1000, 200).map((n) => [DEMO, n]));
    expect(res.map((r) => r.status)).toEqual(Array(200).fill(200));
    const bodies = await Promise.all(res.map((r) => r.json()));
    expect(bodies.map((b) => b.recipient_screen_name)).toEqual(names(1000, 200));
    expect(new Set(bodies.map((b) => b.sender_screen_name))).toEqual(new Set(["s0c1alm3dia"]));
    expect(lookupCalls()).toBeLessThanOrEqual(3);
  });

  it("1,000 DMs to 1,000 new names from two callers: at most 14 calls, each signed by its own caller", async () => {
    await start();
    const asks = names(2000, 1000).map((n, i): [ClientCredentials, string] => [i % 2 ? SECOND : DEMO, n]);
    const res = await burst(asks);
    expect(res.map((r) => r.status)).toEqual(Array(1000).fill(200));
    const senders = (await Promise.all(res.map((r) => r.json()))).map((b) => b.sender_screen_name);
    expect(senders).toEqual(asks.map(([c]) => (c === DEMO ? "s0c1alm3dia" : "theSeanCook")));
    expect(lookupCalls()).toBeLessThanOrEqual(14);
    expect(h.sandbox.stats.events).toHaveLength(1000);
  });

  it("two callers naming the same 100 new names at once: at most 3 calls, each name and each caller looked up once", async () => {
    await start();
    const res = await burst(
      names(4000, 100).flatMap((n): [ClientCredentials, string][] => [
        [DEMO, n],
        [SECOND, n],
      ]),
    );
    expect(res.map((r) => r.status)).toEqual(Array(200).fill(200));
    expect(lookupCalls()).toBeLessThanOrEqual(3);
    expect(h.sandbox.stats.lookups.flat().sort()).toEqual([...names(4000, 100), DEMO_ID, SECOND_ID].sort());
  });
});

describe("the sender's own profile, asked for with the recipient by the id its token begins with", () => {
  it("costs no call of its own: a caller's first message is one users/lookup call of the name and the caller's id", async () => {
    await start();
    const res = await send(DEMO, "load_1");
    expect([res.status, (await res.json()).sender.screen_name]).toEqual([200, "s0c1alm3dia"]);
    expect(h.sandbox.stats.lookups).toEqual([["load_1", DEMO_ID]]);
  });

  it("is not asked for by a request refused first: a bad signature, a spent DM quota; nor does its failure fail a send", async () => {
    await start();
    expect((await send(SECOND, "dougw")).status).toBe(200);
    expect((await send({ ...DEMO, tokenSecret: "wrong" }, "load_1")).status).toBe(401);
    expect(lookupCalls()).toBe(1);
    // DEMO's message to a name already cached: its profile goes alone, and fails; the message goes all the same.
    h.sandbox.setFault("users/lookup", { kind: "status", status: 503, body: '{"errors":[{"code":130,"message":"Over capacity"}]}' });
    const placeholder = await send(DEMO, "dougw");
    expect([placeholder.status, (await placeholder.json()).sender_id_str]).toEqual([200, DEMO_ID]);
    expect(lookupCalls()).toBe(2);
    h.sandbox.setFault("users/lookup", undefined);
    // The DM quota spent: refused before anything is looked up, DEMO's profile (still not cached) included.
    const reset = String(Math.floor(Date.now() / 1000) + 600);
    h.sandbox.setFault("direct_messages/events/new", {
      kind: "status",
      status: 429,
      body: RATE_LIMITED,
      headers: { "x-rate-limit-limit": "1000", "x-rate-limit-remaining": "0", "x-rate-limit-reset": reset },
    });
    // Answered once its lookup of DEMO's profile, which went alone, has: no request leaves a lookup behind it.
    expect((await send(DEMO, "dougw")).status).toBe(429);
    expect(lookupCalls()).toBe(3);
    const refused = await send(DEMO, "load_2");
    expect([refused.status, refused.headers.get("x-rate-limit-reset")]).toEqual([429, reset]);
    expect(lookupCalls()).toBe(3);
  });
});

describe("the upstream's rate limits, kept per token and endpoint", () => {
  it("after a 429 with a reset ten minutes ahead, new names cost no call and get the 429 at once; cached names still go", async () => {
    await start();
    // Another caller's message caches dougw; DEMO's own profile is not cached: counted cold, it costs no call either.
    await warmUp(SECOND);
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
