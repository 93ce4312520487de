import { afterEach, describe, expect, it } from "vitest";
import { createMemorySendBudget } from "../../src/auth/send-budget";
import { DEMO_CREDENTIALS } from "../../src/sandbox/sandbox-users";
import type { SandboxFault } from "../../src/sandbox/sandbox-app";
import { DEMO, encodePairs, signLegacyCall } from "../helpers/legacy-client";
import { PROXY, startHarness, type Harness } from "../helpers/harness";
import { fromFetch } from "../../src/upstream/upstream-fetch";
import { createMemoryNonceStore } from "../../src/auth/nonce-store";

const NEW_JSON = `${PROXY}/1.1/direct_messages/new.json`;
let h: Harness;
afterEach(() => h?.close());

const send = (form: Record<string, string>, url = NEW_JSON) => h.call(signLegacyCall({ url, form }));
const firstError = async (res: Response) => ({ status: res.status, code: (await res.json()).errors?.[0]?.code });

describe("upstream faults on events/new", () => {
  const cases: [string, SandboxFault, number, number][] = [
    ["hang", { kind: "hang" }, 504, 130],
    ["reset", { kind: "reset" }, 502, 131],
    ["garbage", { kind: "garbage" }, 502, 131],
    ["500 with an errors document", { kind: "status", status: 500, body: '{"errors":[{"code":131,"message":"Internal error"}]}' }, 502, 131],
    ["503 over capacity", { kind: "status", status: 503, body: '{"errors":[{"code":130,"message":"Over capacity"}]}' }, 503, 130],
    ["502 html", { kind: "status", status: 502, body: "<html>bad gateway</html>" }, 502, 131],
  ];
  for (const [name, fault, status, code] of cases) {
    it(`${name}: ${status} code ${code}, nothing recorded, and the proxy keeps working`, async () => {
      h = await startHarness({ app: { upstreamTimeoutMs: 300 } });
      h.sandbox.setFault("direct_messages/events/new", fault);
      expect(await firstError(await send({ screen_name: "dougw", text: "x" }))).toEqual({ status, code });
      expect(h.sandbox.stats.events).toHaveLength(0);
      expect(h.sandbox.stats.calls["direct_messages/events/new"]).toBe(1);
      h.sandbox.setFault("direct_messages/events/new", undefined);
      expect((await send({ screen_name: "dougw", text: "y" })).status).toBe(200);
      expect(h.sandbox.stats.events).toHaveLength(1);
    });
  }

  it("keeps the rate-limit headers and Retry-After of a 429", async () => {
    h = await startHarness();
    h.sandbox.setFault("direct_messages/events/new", {
      kind: "status",
      status: 429,
      body: '{"errors":[{"code":88,"message":"Rate limit exceeded"}]}',
      headers: { "x-rate-limit-limit": "1000", "x-rate-limit-remaining": "0", "x-rate-limit-reset": "1795600000", "retry-after": "60" },
    });
    const res = await send({ screen_name: "dougw", text: "x" });
    expect(await firstError(res.clone())).toEqual({ status: 429, code: 88 });
    expect(Object.fromEntries([...res.headers].filter(([k]) => k.startsWith("x-rate-limit") || k === "retry-after"))).toEqual({
      "x-rate-limit-limit": "1000",
      "x-rate-limit-remaining": "0",
      "x-rate-limit-reset": "1795600000",
      "retry-after": "60",
    });
  });

  it("retries a users/lookup once after a reset, but never the send", async () => {
    h = await startHarness();
    h.sandbox.setFault("users/lookup", { kind: "reset" }, 1);
    expect((await send({ screen_name: "igudo", text: "x" })).status).toBe(200);
    // The reset call (the recipient with the sender's profile), then its one retry.
    expect(h.sandbox.stats.calls["users/lookup"]).toBe(2);
    h.sandbox.setFault("direct_messages/events/new", { kind: "reset" }, 1);
    expect((await send({ screen_name: "igudo", text: "y" })).status).toBe(502);
    expect(h.sandbox.stats.calls["direct_messages/events/new"]).toBe(2);
    expect(h.sandbox.stats.events.map((e) => e.text)).toEqual(["x"]);
  });
});

// Both ways in: the sidecar's direct route (over loopback) and Hono's route (the Worker's, and Node's for other requests).
describe.each(["listener", "hono"] as const)("bad input, through the %s path", (via) => {
  it("413 for a body over the limit, declared or streamed, and nothing sent", async () => {
    h = await startHarness({ via });
    const big = encodePairs({ screen_name: "dougw", text: "x".repeat(70_000) });
    const declared = await send({ screen_name: "dougw", text: "x".repeat(70_000) });
    expect(await firstError(declared)).toEqual({ status: 413, code: 44 });
    const streamed = await h.call(new Request(NEW_JSON, { method: "POST", body: big, headers: { "content-type": "application/x-www-form-urlencoded" } }), {
      chunked: true,
    });
    expect(streamed.status).toBe(413);
    expect(h.sandbox.stats.events).toHaveLength(0);
  });

  it("400 for invalid UTF-8 and for a repeated parameter, in the dialect's form", async () => {
    h = await startHarness({ via });
    const base = signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "x" } });
    const invalid = await h.call(new Request(base, { body: "screen_name=dougw&text=%C3%28" }));
    expect(await invalid.json()).toEqual({ errors: [{ code: 44, message: "The request is not valid UTF-8." }] });
    expect(invalid.status).toBe(400);
    const rawBytes = await h.call(
      new Request(signLegacyCall({ url: NEW_JSON, form: { a: "b" } }), { body: new Uint8Array([0x74, 0x65, 0x78, 0x74, 0x3d, 0xff]) }),
    );
    expect(rawBytes.status).toBe(400);
    // Basic auth, because the oauth-1.0a package cannot sign a name repeated across query and body.
    const repeated = await h.call(
      new Request(`${NEW_JSON}?text=a`, {
        method: "POST",
        headers: { authorization: `Basic ${btoa("demo:demo-password")}`, "content-type": "application/x-www-form-urlencoded" },
        body: "screen_name=dougw&text=b",
      }),
    );
    expect(await repeated.json()).toEqual({ errors: [{ code: 44, message: "text parameter is invalid." }] });
    expect(h.sandbox.stats.events).toHaveLength(0);
  });

  it("415 for a JSON body on the legacy endpoint", async () => {
    h = await startHarness({ via });
    const res = await h.call(new Request(NEW_JSON, { method: "POST", headers: { "content-type": "application/json" }, body: '{"text":"x"}' }));
    expect(res.status).toBe(415);
  });
});

describe("an answer that cannot be read", () => {
  const messageOf = async (res: Response) => [res.status, (await res.json()).errors[0]];
  it("says the message may have gone out when the upstream accepted it (2xx), and not otherwise", async () => {
    h = await startHarness();
    const mayHaveGone = { code: 131, message: "The X API accepted the message, but its answer could not be read: it may have been sent." };
    for (const body of ["{}", '{"event":{"type":"message_create"}}', "<html>ok</html>"]) {
      h.sandbox.setFault("direct_messages/events/new", { kind: "status", status: 200, body });
      expect(await messageOf(await send({ screen_name: "dougw", text: "x" }))).toEqual([502, mayHaveGone]);
    }
    h.sandbox.setFault("direct_messages/events/new", { kind: "status", status: 502, body: "<html>bad gateway</html>" });
    expect(await messageOf(await send({ screen_name: "dougw", text: "x" }))).toEqual([
      502,
      { code: 131, message: "The X API sent an answer that could not be read." },
    ]);
  });
});

describe.each(["listener", "hono"] as const)("a failure of the gateway itself, through the %s path", (via) => {
  it("answers 500 in the caller's dialect before a request id exists, naming no cause, and sends nothing", async () => {
    h = await startHarness({
      via,
      app: {
        randomId: () => {
          throw new Error("entropy source failed at /srv/secret-path");
        },
      },
    });
    const json = await send({ screen_name: "dougw", text: "x" });
    expect(json.status).toBe(500);
    expect(json.headers.get("x-dm-bridge-error")).toBe("internal");
    expect(await json.json()).toEqual({ errors: [{ code: 131, message: "Internal error." }] });
    const xml = await h.call(signLegacyCall({ url: `${PROXY}/1/direct_messages/new.xml`, form: { screen_name: "dougw", text: "x" } }));
    expect(xml.status).toBe(500);
    const body = await xml.text();
    expect(body).toMatch(/^<\?xml/);
    expect(body).not.toMatch(/entropy|secret-path|at /);
    expect(h.sandbox.stats.events).toHaveLength(0);
  });
});

describe("replay protection at capacity", () => {
  it("refuses a new message with 429 and Retry-After when the replay store is full of live nonces, never dropping one", async () => {
    h = await startHarness({ app: { nonces: createMemoryNonceStore(2) } });
    const first = signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "one" } });
    const replay = first.clone();
    expect((await h.call(first)).status).toBe(200);
    expect((await send({ screen_name: "dougw", text: "two" })).status).toBe(200);
    const third = await send({ screen_name: "dougw", text: "three" });
    expect(await firstError(third.clone())).toEqual({ status: 429, code: 88 });
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0);
    // The first message's nonce is still remembered: its replay is refused, not sent a second time.
    expect(await firstError(await h.call(replay))).toEqual({ status: 401, code: 32 });
    expect(h.sandbox.stats.events.map((e) => e.text)).toEqual(["one", "two"]);
  });
});

describe("trust", () => {
  it("sends only to the configured upstream, whatever the client puts in Host, path or parameters", async () => {
    const seen: string[] = [];
    h = await startHarness({ app: { fetch: fromFetch((url, init) => (seen.push(url), fetch(url, init))) } });
    const req = signLegacyCall({ url: NEW_JSON, form: { screen_name: "../../evil.example/x?y=#", text: "x" } });
    req.headers.set("host", "evil.example");
    await h.call(req);
    await send({ user_id: "1855000000000000999", text: "x" });
    expect(seen.length).toBeGreaterThan(0);
    for (const url of seen) expect(url).toMatch(new RegExp(`^${h.upstreamUrl}/1\\.1/(users/lookup|direct_messages/events/new)\\.json(\\?|$)`));
  });

  it("verifies against PUBLIC_BASE_URL, or forwarded headers only when trusted", async () => {
    const publicUrl = "https://dm.example.com/1.1/direct_messages/new.json";
    const signedForPublic = () => {
      const r = signLegacyCall({ url: publicUrl, form: { screen_name: "dougw", text: "x" } });
      const viaProxy = new Request(NEW_JSON, { method: "POST", headers: r.headers, body: encodePairs({ screen_name: "dougw", text: "x" }) });
      viaProxy.headers.set("x-forwarded-proto", "https");
      viaProxy.headers.set("x-forwarded-host", "dm.example.com");
      return viaProxy;
    };
    h = await startHarness();
    expect((await h.call(signedForPublic())).status).toBe(401);
    await h.close();
    h = await startHarness({ app: { publicBaseUrl: "https://dm.example.com" } });
    expect((await h.call(signedForPublic())).status).toBe(200);
    await h.close();
    h = await startHarness({ app: { trustForwardedHeaders: true } });
    expect((await h.call(signedForPublic())).status).toBe(200);
  });

  it("refuses early with the legacy 429 once the configured daily budget is spent", async () => {
    h = await startHarness({ app: { sendBudget: createMemorySendBudget({ perUser: 2, perApp: undefined }, Date.now) } });
    expect((await send({ screen_name: "dougw", text: "1" })).status).toBe(200);
    expect((await send({ screen_name: "dougw", text: "2" })).status).toBe(200);
    const third = await send({ screen_name: "dougw", text: "3" });
    expect(await firstError(third.clone())).toEqual({ status: 429, code: 88 });
    expect(third.headers.get("x-rate-limit-limit")).toBe("2");
    expect(h.sandbox.stats.events).toHaveLength(2);
  });

  it("refuses a nonce too long to remember (401, nothing sent) and accepts one of 256 characters", async () => {
    h = await startHarness();
    const long = await h.call(signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "big nonce" }, nonce: "n".repeat(257) }));
    expect(await firstError(long)).toEqual({ status: 401, code: 32 });
    const fits = await h.call(signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "fits" }, nonce: "n".repeat(256) }));
    expect(fits.status).toBe(200);
    expect(h.sandbox.stats.events.map((e) => e.text)).toEqual(["fits"]);
  });

  it("holds the budget under concurrency: of 10 messages sent at once with 2 left, exactly 2 go out", async () => {
    h = await startHarness({ app: { sendBudget: createMemorySendBudget({ perUser: 2, perApp: undefined }, Date.now) } });
    const texts = Array.from({ length: 10 }, (_, i) => `at once ${i}`);
    const statuses = await Promise.all(texts.map(async (text) => (await send({ screen_name: "dougw", text })).status));
    expect(statuses.filter((s) => s === 200)).toHaveLength(2);
    expect(statuses.filter((s) => s === 429)).toHaveLength(8);
    expect(h.sandbox.stats.events).toHaveLength(2);
  });

  it("gives a message back to the budget when the upstream refused it, not when it may have gone out", async () => {
    h = await startHarness({ app: { upstreamTimeoutMs: 200, sendBudget: createMemorySendBudget({ perUser: 1, perApp: undefined }, Date.now) } });
    expect(await firstError(await send({ screen_name: "lonely_heart", text: "refused upstream" }))).toEqual({ status: 403, code: 150 });
    h.sandbox.setFault("direct_messages/events/new", { kind: "hang" });
    expect((await send({ screen_name: "dougw", text: "timed out" })).status).toBe(504);
    expect(await firstError(await send({ screen_name: "dougw", text: "after the timeout" }))).toEqual({ status: 429, code: 88 });
  });

  it("keeps every secret out of the log and out of error bodies; logs one structured line per request", async () => {
    h = await startHarness();
    const bodies: string[] = [];
    const requests = [
      signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "private words" } }),
      signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "x" }, creds: { ...DEMO, tokenSecret: "demo-token-secretX" } }),
      new Request(NEW_JSON, {
        method: "POST",
        headers: { authorization: `Basic ${btoa("demo:demo-passwordX")}`, "content-type": "application/x-www-form-urlencoded" },
        body: "screen_name=dougw&text=x",
      }),
      new Request(`${NEW_JSON}?oauth_consumer_key=demo-consumer-key&oauth_token=${DEMO.token}&oauth_signature=x`, { method: "POST" }),
    ];
    const authValues = requests.map((r) => r.headers.get("authorization")).filter(Boolean) as string[];
    for (const r of requests) bodies.push(await (await h.call(r)).text());
    const secrets = [DEMO_CREDENTIALS.consumers["demo-consumer-key"], DEMO.tokenSecret, DEMO_CREDENTIALS.basic.demo.password, "private words", ...authValues];
    const everything = JSON.stringify(h.logs) + bodies.slice(1).join("\n");
    for (const s of secrets) expect(everything).not.toContain(s);
    expect(h.logs).toHaveLength(4);
    expect(h.logs[0]).toMatchObject({ method: "POST", path: "/1.1/direct_messages/new.json", dialect: "twitter-1.1", status: 200, upstream: 200 });
    expect(h.logs[1]).toMatchObject({ status: 401, error: "auth_invalid" });
    for (const line of h.logs) expect(line).toEqual(expect.objectContaining({ id: expect.any(String), ms: expect.any(Number) }));
  });

  it("echoes the called path and query in the older dialects' errors, but none of its oauth_ parameters", async () => {
    h = await startHarness();
    const signed = signLegacyCall({
      url: `${PROXY}/1/direct_messages/new.json`,
      query: { screen_name: "nobody_here", text: "hi" },
      creds: { ...DEMO, tokenSecret: "wrong" },
    });
    const url = new URL(signed.url);
    const oauth = Object.fromEntries(
      /OAuth (.*)/
        .exec(signed.headers.get("authorization")!)![1]!
        .split(", ")
        .map((p) => p.split("=").map((v) => decodeURIComponent(v.replace(/"/g, "")))),
    );
    for (const [k, v] of Object.entries(oauth)) url.searchParams.set(k, v as string);
    const res = await h.call(new Request(url, { method: "POST" }));
    const body = await res.json();
    expect(res.status).toBe(401);
    expect(body.request).toBe("/1/direct_messages/new.json?screen_name=nobody_here&text=hi");
    expect(JSON.stringify(body)).not.toContain(oauth.oauth_signature);
  });
});
