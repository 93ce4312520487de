import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEMO, encodePairs, signLegacyCall } from "../helpers/legacy-client";
import { PROXY, startHarness, type Harness } from "../helpers/harness";
import { fixture } from "../helpers/legacy-documents";
import { AUTH_FAILED, DM_KEYS, errorOf } from "../helpers/twitter-1-1-answers";

const NEW_JSON = `${PROXY}/1.1/direct_messages/new.json`;

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

describe("Twitter 1.1 direct_messages/new through the sandbox", () => {
  it("serves seed 003's request, parameters in the query string, screen name in another case", async () => {
    const res = await h.call(signLegacyCall({ url: NEW_JSON, query: { text: "hello, tworld. welcome to 1.1.", screen_name: "theseancook" } }));
    expect(res.status).toBe(200);
    const dm = await res.json();
    expect(Object.keys(dm)).toEqual(DM_KEYS);
    expect(dm).toMatchObject({
      text: "hello, tworld. welcome to 1.1.",
      sender_id: 776627022,
      sender_id_str: "776627022",
      sender_screen_name: "s0c1alm3dia",
      recipient_id: 38895958,
      recipient_screen_name: "theSeanCook",
      entities: { hashtags: [], urls: [], user_mentions: [] },
    });
    expect(dm.sender).toMatchObject({ id: 776627022, id_str: "776627022", name: "Mick Jagger", url: "http://cnn.com" });
    expect(dm.recipient).toMatchObject({ id_str: "38895958", name: "Sean Cook", screen_name: "theSeanCook" });
    expect(dm.created_at).toMatch(/^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \+0000 \d{4}$/);
    expect(Math.abs(Date.parse(dm.created_at) - Date.now())).toBeLessThan(5_000);
    expect(h.sandbox.stats.events).toEqual([{ id: dm.id_str, sender_id: "776627022", recipient_id: "38895958", text: "hello, tworld. welcome to 1.1." }]);
  });

  for (const upstreamApi of ["v1.1", "v2"] as const)
    it(`answers with every key of seed 000's example, at every level, each of the seed's type (upstream ${upstreamApi})`, async () => {
      await h.close();
      h = await startHarness({ app: { upstreamApi } });
      const res = await h.call(signLegacyCall({ url: NEW_JSON, form: { screen_name: "theSeanCook", text: "hello, tworld. welcome to 1.1." } }));
      const dm = await res.json();
      const seed = JSON.parse(fixture("twitter-1-1/direct_message.json"));
      // What 1.1 added after the seed was written: the *_id_str twins and the entities' symbols.
      const added = new Set(["sender_id_str", "recipient_id_str", "symbols"]);
      const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
      for (const [ours, theirs, where] of [
        [dm, seed, "message"],
        [dm.sender, seed.sender, "sender"],
        [dm.recipient, seed.recipient, "recipient"],
        [dm.entities, seed.entities, "entities"],
      ]) {
        expect(
          Object.keys(ours)
            .filter((k) => !added.has(k))
            .sort(),
          where,
        ).toEqual(Object.keys(theirs).sort());
        for (const k of Object.keys(theirs)) {
          // A null in either (url, a profile without a time zone) is an empty value, not a change of type.
          if (theirs[k] !== null && ours[k] !== null) expect(`${where}.${k}: ${kind(ours[k])}`).toBe(`${where}.${k}: ${kind(theirs[k])}`);
        }
      }
    });

  it("serves seed 000's form-body request by user_id", async () => {
    const res = await h.call(signLegacyCall({ url: NEW_JSON, form: { user_id: "38895958", text: "Meet me behind the cafeteria after school" } }));
    expect(res.status).toBe(200);
    expect((await res.json()).recipient_screen_name).toBe("theSeanCook");
    expect(h.sandbox.stats.events[0]?.text).toBe("Meet me behind the cafeteria after school");
  });

  it("verifies and re-signs text with reserved characters, Unicode and emoji, unchanged end to end", async () => {
    const text = 'Hello Ladies + Gentlemen!*\'() 100% & more = ümlaut 日本語 🐦‍🔥 "quoted" <tag>';
    for (const call of [{ form: { screen_name: "dougw", text } }, { query: { screen_name: "dougw", text } }]) {
      const res = await h.call(signLegacyCall({ url: NEW_JSON, ...call }));
      expect(res.status).toBe(200);
      expect((await res.json()).text).toBe(text);
    }
    expect(h.sandbox.stats.events.map((e) => e.text)).toEqual([text, text]);
  });

  it("writes ids above 2^53 digit for digit, as numbers and as strings", async () => {
    const res = await h.call(signLegacyCall({ url: NEW_JSON, form: { user_id: "1855000000000000999", text: "to the future" } }));
    expect(res.status).toBe(200);
    const raw = await res.text();
    const eventId = h.sandbox.stats.events[0]!.id;
    expect(BigInt(eventId) > 2n ** 53n).toBe(true);
    expect(raw).toContain(`"id":${eventId},"id_str":"${eventId}"`);
    expect(raw).toContain('"recipient_id":1855000000000000999,"recipient_id_str":"1855000000000000999"');
    expect(raw).toContain('"recipient":{"id":1855000000000000999,"id_str":"1855000000000000999"');
  });

  it("passes a 10,000-character text through and refuses 10,001 before calling upstream", async () => {
    const long = `${"a".repeat(9_999)}🐦`;
    expect((await h.call(signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: long } }))).status).toBe(200);
    const res = await h.call(signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: `${long}b` } }));
    expect(await errorOf(res)).toEqual({
      status: 403,
      body: { errors: [{ code: 354, message: "The text of your direct message is over the max character limit." }] },
    });
    expect(h.sandbox.stats.events).toHaveLength(1);
  });

  it("costs one users/lookup for repeated messages to one name, whatever its case", async () => {
    for (const name of ["igudo", "IGUDO", "Igudo"]) {
      expect((await h.call(signLegacyCall({ url: NEW_JSON, form: { screen_name: name, text: `hi ${name}` } }))).status).toBe(200);
    }
    // One lookup, of the recipient and the sender's profile together; none for the second and third messages.
    expect(h.sandbox.stats.lookups).toEqual([["igudo", "776627022"]]);
    expect(h.sandbox.stats.events).toHaveLength(3);
  });

  it("accepts HTTP Basic for an account of the `basic` section, as the printed demo curl does", async () => {
    const res = await h.call(
      new Request(NEW_JSON, {
        method: "POST",
        headers: { authorization: `Basic ${btoa("demo:demo-password")}`, "content-type": "application/x-www-form-urlencoded" },
        body: encodePairs({ screen_name: "theSeanCook", text: "hello from dm-bridge" }),
      }),
    );
    expect(res.status).toBe(200);
    expect((await res.json()).sender_screen_name).toBe("s0c1alm3dia");
  });
});

describe("Twitter 1.1 errors", () => {
  it("401 code 32 for a bad signature, an unknown consumer or token, a wrong Basic password; nothing is sent", async () => {
    const wrongSecret = signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "x" }, creds: { ...DEMO, tokenSecret: "guess" } });
    const unknownConsumer = signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "x" }, creds: { ...DEMO, consumerKey: "nope" } });
    const unknownToken = signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "x" }, creds: { ...DEMO, token: "nope" } });
    const tampered = signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "x" } });
    const tamperedBody = new Request(tampered, { body: encodePairs({ screen_name: "dougw", text: "y" }) });
    const basic = new Request(NEW_JSON, {
      method: "POST",
      headers: { authorization: `Basic ${btoa("demo:wrong")}`, "content-type": "application/x-www-form-urlencoded" },
      body: "screen_name=dougw&text=x",
    });
    for (const req of [wrongSecret, unknownConsumer, unknownToken, tamperedBody, basic]) {
      expect(await errorOf(await h.call(req))).toEqual({ status: 401, body: AUTH_FAILED });
    }
    expect(h.sandbox.stats.events).toHaveLength(0);
  });

  it("400 code 215 without credentials", async () => {
    const res = await h.call(new Request(NEW_JSON, { method: "POST", body: new URLSearchParams({ screen_name: "dougw", text: "x" }) }));
    expect(await errorOf(res)).toEqual({ status: 400, body: { errors: [{ code: 215, message: "Bad Authentication data." }] } });
  });

  it("401 code 135 for a stale timestamp, and 401 for a replayed request, which is sent once only", async () => {
    const stale = signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "x" }, timestamp: Math.floor(Date.now() / 1000) - 3_600 });
    expect(await errorOf(await h.call(stale))).toEqual({ status: 401, body: { errors: [{ code: 135, message: "Timestamp out of bounds." }] } });
    const once = signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "only once" } });
    const replay = once.clone();
    expect((await h.call(once)).status).toBe(200);
    expect(await errorOf(await h.call(replay))).toEqual({ status: 401, body: AUTH_FAILED });
    expect(h.sandbox.stats.events.map((e) => e.text)).toEqual(["only once"]);
  });

  it("maps upstream refusals to the legacy code and status", async () => {
    const cases: [Record<string, string>, number, number][] = [
      [{ screen_name: "nobody_here_at_all" }, 404, 17],
      [{ user_id: "999999" }, 404, 17],
      [{ screen_name: "lonely_heart" }, 403, 150],
      [{ screen_name: "blocked_you" }, 403, 349],
    ];
    for (const [recipient, status, code] of cases) {
      const { status: got, body } = await errorOf(await h.call(signLegacyCall({ url: NEW_JSON, form: { ...recipient, text: "x" } })));
      expect([got, body.errors[0].code]).toEqual([status, code]);
      expect(typeof body.errors[0].message).toBe("string");
    }
    expect(h.sandbox.stats.events).toHaveLength(0);
  });

  it("429 code 88 with the upstream's rate-limit headers", async () => {
    await h.close();
    h = await startHarness({ sandbox: { dailyLimitPerUser: 1 } });
    expect((await h.call(signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "1" } }))).status).toBe(200);
    const res = await h.call(signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "2" } }));
    expect(await errorOf(res)).toEqual({ status: 429, body: { errors: [{ code: 88, message: "Rate limit exceeded." }] } });
    expect(res.headers.get("x-rate-limit-limit")).toBe("1");
    expect(res.headers.get("x-rate-limit-remaining")).toBe("0");
    expect(Number(res.headers.get("x-rate-limit-reset"))).toBeGreaterThan(Date.now() / 1000);
  });

  it("passes upstream refusals of the send through with their status: 403/151 duplicate, 403/354 too long", async () => {
    const cases: [number, number][] = [
      [151, 403],
      [354, 403],
    ];
    for (const [code, status] of cases) {
      h.sandbox.setFault("direct_messages/events/new", { kind: "status", status, body: JSON.stringify({ errors: [{ code, message: `upstream ${code}` }] }) });
      const res = await h.call(signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "x" } }));
      expect(await errorOf(res)).toEqual({ status, body: { errors: [{ code, message: `upstream ${code}` }] } });
    }
  });

  it("passes upstream auth codes through as 401: 32 signature, 89 invalid token, 135 timestamp", async () => {
    for (const code of [32, 89, 135]) {
      h.sandbox.setFault("direct_messages/events/new", {
        kind: "status",
        status: 401,
        body: JSON.stringify({ errors: [{ code, message: `upstream ${code}` }] }),
      });
      const res = await h.call(signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "x" } }));
      expect(await errorOf(res)).toEqual({ status: 401, body: { errors: [{ code, message: `upstream ${code}` }] } });
    }
  });

  it("502 for a garbage or error-less upstream answer, 504 for a hang, 502 for a dead upstream", async () => {
    h.sandbox.setFault("direct_messages/events/new", { kind: "garbage" });
    expect((await h.call(signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "x" } }))).status).toBe(502);
    h.sandbox.setFault("direct_messages/events/new", { kind: "status", status: 500, body: "oops" });
    const five = await errorOf(await h.call(signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "x" } })));
    expect([five.status, five.body.errors[0].code]).toEqual([502, 131]);
    await h.close();
    h = await startHarness({ app: { upstreamTimeoutMs: 200 } });
    h.sandbox.setFault("direct_messages/events/new", { kind: "hang" });
    const hung = await errorOf(await h.call(signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "x" } })));
    expect([hung.status, hung.body.errors[0].code]).toEqual([504, 130]);
    await h.close();
    h = await startHarness({ app: { upstreamUrl: "http://127.0.0.1:1" } });
    const dead = await errorOf(await h.call(signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "x" } })));
    expect([dead.status, dead.body.errors[0].code]).toEqual([502, 131]);
  });

  it("answers parameter errors with 400 and the parameter's name", async () => {
    const missingRecipient = await errorOf(await h.call(signLegacyCall({ url: NEW_JSON, form: { text: "x" } })));
    expect(missingRecipient).toEqual({ status: 400, body: { errors: [{ code: 38, message: "screen_name parameter is missing." }] } });
    const missingText = await errorOf(await h.call(signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw" } })));
    expect(missingText).toEqual({ status: 400, body: { errors: [{ code: 38, message: "text parameter is missing." }] } });
  });

  it("answers .xml, unknown paths and GET with 1.1's own error documents", async () => {
    const xml = await errorOf(await h.call(signLegacyCall({ url: `${PROXY}/1.1/direct_messages/new.xml`, form: { screen_name: "dougw", text: "x" } })));
    expect(xml).toEqual({ status: 404, body: { errors: [{ code: 34, message: "Sorry, that page does not exist." }] } });
    const get = await h.call(new Request(NEW_JSON));
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect(h.sandbox.stats.events).toHaveLength(0);
  });
});

describe("replays", () => {
  it("refuses a second request with the same nonce and timestamp even when freshly signed", async () => {
    const now = Math.floor(Date.now() / 1000);
    const first = signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "a" }, nonce: "fixed-nonce", timestamp: now });
    const second = signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "b" }, nonce: "fixed-nonce", timestamp: now });
    expect((await h.call(first)).status).toBe(200);
    const res = await h.call(second);
    expect(res.status).toBe(401);
    expect(res.headers.get("x-dm-bridge-error")).toBe("auth_replay");
    expect(h.sandbox.stats.events.map((e) => e.text)).toEqual(["a"]);
  });
});
