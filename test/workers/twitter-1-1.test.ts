import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEMO, encodePairs, signWebLegacyCall } from "./web-client";
import { DM_KEYS, AUTH_FAILED, errorOf } from "../helpers/twitter-1-1-answers";

// Service bindings pass the URL through: the Worker sees, and checks the signature against, exactly this URL.
const NEW_JSON = "http://proxy.test/1.1/direct_messages/new.json";

describe("the deployed bundle on its built-in sandbox (no DM_PROXY_CREDENTIALS)", () => {
  const worker = env.SANDBOX_WORKER;

  it("says it is on the sandbox, on /healthz and on every answer", async () => {
    const res = await worker.fetch(new Request("http://proxy.test/healthz"));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", upstream: "sandbox" });
    expect(res.headers.get("x-dm-bridge-upstream")).toBe("sandbox");
  });

  it("serves seed 003's request end to end: OAuth verified, name resolved, legacy DM rendered", async () => {
    const req = await signWebLegacyCall({ url: NEW_JSON, query: { text: "hello, tworld. welcome to 1.1.", screen_name: "theseancook" } });
    const res = await worker.fetch(req);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("x-dm-bridge-upstream")).toBe("sandbox");
    const dm = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(dm)).toEqual(DM_KEYS);
    expect(dm).toMatchObject({
      text: "hello, tworld. welcome to 1.1.",
      sender_id: 776627022,
      sender_screen_name: "s0c1alm3dia",
      recipient_id: 38895958,
      recipient_id_str: "38895958",
      recipient_screen_name: "theSeanCook",
    });
    expect(dm.created_at).toMatch(/^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \+0000 \d{4}$/);
  });

  it("verifies and re-signs reserved characters, Unicode and emoji in a form body", async () => {
    const text = "Hello Ladies + Gentlemen!*'() 100% & more = ümlaut 日本語 🐦‍🔥 <tag>";
    const res = await worker.fetch(await signWebLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text } }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { text: string }).text).toBe(text);
  });

  it("writes ids above 2^53 digit for digit", async () => {
    const res = await worker.fetch(await signWebLegacyCall({ url: NEW_JSON, form: { user_id: "1855000000000000999", text: "to the future" } }));
    expect(res.status).toBe(200);
    const raw = await res.text();
    expect(raw).toContain('"recipient_id":1855000000000000999,"recipient_id_str":"1855000000000000999"');
    expect(raw).toMatch(/^\{"id":(\d{19}),"id_str":"\1"/);
  });

  it("accepts the demo HTTP Basic account, as the README's curl does", async () => {
    const res = await worker.fetch(
      new Request(NEW_JSON, {
        method: "POST",
        headers: { authorization: `Basic ${btoa("demo:demo-password")}`, "content-type": "application/x-www-form-urlencoded" },
        body: encodePairs({ screen_name: "theSeanCook", text: "hello from dm-bridge" }),
      }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ text: "hello from dm-bridge", sender_screen_name: "s0c1alm3dia" });
  });
});

describe("1.1 errors from the deployed bundle", () => {
  const worker = env.SANDBOX_WORKER;

  it("401 code 32 for a wrong secret or a tampered body, 400 code 215 without credentials", async () => {
    const wrong = await signWebLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "x" }, creds: { ...DEMO, tokenSecret: "guess" } });
    expect(await errorOf(await worker.fetch(wrong))).toEqual({ status: 401, body: AUTH_FAILED });
    const signed = await signWebLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "x" } });
    const tampered = new Request(signed, { body: encodePairs({ screen_name: "dougw", text: "y" }) });
    expect(await errorOf(await worker.fetch(tampered))).toEqual({ status: 401, body: AUTH_FAILED });
    const bare = new Request(NEW_JSON, { method: "POST", body: new URLSearchParams({ screen_name: "dougw", text: "x" }) });
    expect(await errorOf(await worker.fetch(bare))).toEqual({ status: 400, body: { errors: [{ code: 215, message: "Bad Authentication data." }] } });
  });

  it("401 code 135 for a stale timestamp", async () => {
    const stale = await signWebLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "x" }, timestamp: Math.floor(Date.now() / 1000) - 3_600 });
    expect(await errorOf(await worker.fetch(stale))).toEqual({ status: 401, body: { errors: [{ code: 135, message: "Timestamp out of bounds." }] } });
  });

  it("maps the upstream's refusals: unknown user 404/17, not following 403/150, blocked 403/349", async () => {
    const cases: [Record<string, string>, number, number][] = [
      [{ screen_name: "nobody_here_at_all" }, 404, 17],
      [{ screen_name: "lonely_heart" }, 403, 150],
      [{ screen_name: "blocked_you" }, 403, 349],
    ];
    for (const [recipient, status, code] of cases) {
      const { status: got, body } = await errorOf(await worker.fetch(await signWebLegacyCall({ url: NEW_JSON, form: { ...recipient, text: "x" } })));
      expect([got, body.errors[0].code]).toEqual([status, code]);
    }
  });

  it("400 code 38 naming a missing parameter, 405 with Allow for GET", async () => {
    const missing = await worker.fetch(await signWebLegacyCall({ url: NEW_JSON, form: { text: "x" } }));
    expect(await errorOf(missing)).toEqual({ status: 400, body: { errors: [{ code: 38, message: "screen_name parameter is missing." }] } });
    const get = await worker.fetch(new Request(NEW_JSON));
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });

  it("a broken DM_PROXY_CREDENTIALS answers 1.1's internal error, never the secret or a stack", async () => {
    const res = await env.MISCONFIGURED_WORKER.fetch(await signWebLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "x" } }));
    const raw = await res.text();
    expect(res.status).toBe(500);
    expect(JSON.parse(raw)).toEqual({ errors: [{ code: 131, message: "Internal error." }] });
    expect(raw).not.toContain("top-secret-value");
    // Through the app's one error path: the same gateway header as any other error.
    expect(res.headers.get("x-dm-bridge-error")).toBe("internal");
  });
});

describe("the Worker configured with DM_PROXY_CREDENTIALS, UPSTREAM_URL and PUBLIC_BASE_URL", () => {
  const worker = env.CONFIGURED_WORKER;
  // The Worker is reached at a workers.dev-style URL while clients sign the custom domain of PUBLIC_BASE_URL.
  const CALLED = "http://dm-bridge.example.workers.dev/1.1/direct_messages/new.json";
  const PUBLIC = "https://dm.example.org/1.1/direct_messages/new.json";

  it("verifies against the public URL and sends through its own fetch to UPSTREAM_URL", async () => {
    const res = await worker.fetch(await signWebLegacyCall({ url: CALLED, signedUrl: PUBLIC, form: { screen_name: "igudo", text: "via the edge" } }));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-dm-bridge-upstream")).toBeNull();
    expect(await res.json()).toMatchObject({ text: "via the edge", recipient_screen_name: "igudo", sender_screen_name: "s0c1alm3dia" });
  });

  it("refuses a signature over the URL the Worker happens to be called at", async () => {
    const res = await worker.fetch(await signWebLegacyCall({ url: CALLED, form: { screen_name: "igudo", text: "x" } }));
    expect(await errorOf(res)).toEqual({ status: 401, body: AUTH_FAILED });
  });
});
