import { afterEach, describe, expect, it } from "vitest";
import { createStaticCredentialStore } from "../../src/auth/credential-store";
import { ConfigError, parseConfig } from "../../src/config";
import { toV2Error } from "../../src/upstream/x-api-v2";
import { toLegacyUser } from "../../src/upstream/v2-user";
import { demoTwitterClient, signLegacyCall } from "../helpers/legacy-client";
import { DEFAULT_USER_DIRECTORY } from "../../src/users/user-directory";
import { PROXY, startHarness, type Harness } from "../helpers/harness";

const NEW_JSON = `${PROXY}/1.1/direct_messages/new.json`;
const V2_SEND = "2/dm_conversations/with/:id/messages";
const send = (h: Harness, form: Record<string, string>) => h.call(signLegacyCall({ url: NEW_JSON, form }));

let harnesses: Harness[] = [];
async function start(api: "v1.1" | "v2", extra: Parameters<typeof startHarness>[0] = {}) {
  const h = await startHarness({ ...extra, app: { upstreamApi: api, ...extra.app } });
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  await Promise.all(harnesses.map((h) => h.close()));
  harnesses = [];
});

describe("UPSTREAM_API=v2: legacy calls sent through the X API v2", () => {
  it("sends through POST /2/dm_conversations/with/:participant_id/messages and renders the same legacy users as v1.1", async () => {
    const [v1, v2] = [await start("v1.1"), await start("v2")];
    const [a, b] = [await send(v1, { screen_name: "theSeanCook", text: "hi" }), await send(v2, { screen_name: "theSeanCook", text: "hi" })];
    expect([a.status, b.status]).toEqual([200, 200]);
    const [legacy, viaV2] = [await a.json(), await b.json()];
    expect(v2.sandbox.stats.calls).toMatchObject({ [V2_SEND]: 1, "2/users/by/username/:username": 1, "2/users": 1 });
    expect(v2.sandbox.stats.calls["direct_messages/events/new"]).toBeUndefined();
    // v2 looks names and ids up by different endpoints: the sender's profile, asked for with the recipient, is a call apart.
    expect(v2.sandbox.stats.lookups).toHaveLength(2);
    expect(v2.sandbox.stats.lookups).toEqual(expect.arrayContaining([["theseancook"], ["776627022"]]));
    expect(v2.sandbox.stats.events).toEqual([{ id: viaV2.id_str, sender_id: "776627022", recipient_id: "38895958", text: "hi" }]);
    expect(Object.keys(viaV2)).toEqual(Object.keys(legacy));
    const shared = [
      "id",
      "id_str",
      "name",
      "screen_name",
      "location",
      "description",
      "url",
      "protected",
      "followers_count",
      "friends_count",
      "listed_count",
      "created_at",
      "favourites_count",
      "verified",
      "statuses_count",
      "profile_image_url",
      "profile_image_url_https",
    ];
    for (const who of ["sender", "recipient"]) {
      const pick = (u: Record<string, unknown>) => Object.fromEntries(shared.map((k) => [k, u[k]]));
      expect(pick(viaV2[who])).toEqual(pick(legacy[who]));
    }
    expect(viaV2.recipient.created_at).toBe("Sat May 09 17:58:22 +0000 2009");
  });

  it("batches concurrent names into GET /2/users/by?usernames= and keeps ids above 2^53 exact", async () => {
    // A window wide enough that a loaded machine cannot split what arrives over loopback together (default 2 ms).
    const h = await start("v2", { app: { userCache: { ...DEFAULT_USER_DIRECTORY, maxEntries: 1_000, batchWindowMs: 25 } } });
    const names = ["dougw", "igudo", "future_user"];
    const answers = await Promise.all(names.map((n) => send(h, { screen_name: n, text: `to ${n}` })));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(h.sandbox.stats.calls["2/users/by"]).toBe(1);
    expect(h.sandbox.stats.lookups).toContainEqual(names);
    const raw = await answers[2]!.text();
    expect(raw).toContain('"recipient_id":1855000000000000999,"recipient_id_str":"1855000000000000999"');
  });

  it("sends media_id as attachments[0].media_id, and refuses quick replies, which v2 cannot send, before sending", async () => {
    const h = await start("v2");
    expect((await send(h, { screen_name: "dougw", text: "look", media_id: "1855000000000000777" })).status).toBe(200);
    expect(h.sandbox.stats.events[0]?.attachment).toEqual({ type: "media", media: { id: "1855000000000000777" } });
    const qr = await send(h, { screen_name: "dougw", text: "pick", quick_reply_options: '[{"label":"A"}]' });
    expect([qr.status, await qr.json()]).toEqual([400, { errors: [{ code: 44, message: "quick_reply_options parameter is invalid." }] }]);
    expect(h.sandbox.stats.events).toHaveLength(1);
  });

  it("maps v2 refusals into the legacy errors: unknown user 404/17, not following 403/150, rate limit 429/88 with headers", async () => {
    const h = await start("v2", { sandbox: { dailyLimitPerUser: 1 } });
    const unknown = await send(h, { screen_name: "nobody_here_at_all", text: "x" });
    expect([unknown.status, (await unknown.json()).errors[0].code]).toEqual([404, 17]);
    const refused = await send(h, { screen_name: "lonely_heart", text: "x" });
    expect([refused.status, await refused.json()]).toEqual([
      403,
      { errors: [{ code: 150, message: "You cannot send messages to users who are not following you." }] },
    ]);
    expect((await send(h, { screen_name: "dougw", text: "1" })).status).toBe(200);
    const limited = await send(h, { screen_name: "dougw", text: "2" });
    expect([limited.status, (await limited.json()).errors[0].code, limited.headers.get("x-rate-limit-remaining")]).toEqual([429, 88, "0"]);
    expect(h.sandbox.stats.events.map((e) => e.text)).toEqual(["1"]);
  });

  it("keeps users/show (one name) and users/lookup (many) apart: with the first spent, one name goes to the second", async () => {
    const h = await start("v2");
    const reset = String(Math.floor(Date.now() / 1000) + 600);
    h.sandbox.setFault("2/users/by/username/:username", {
      kind: "status",
      status: 429,
      body: '{"title":"Too Many Requests","status":429}',
      headers: { "x-rate-limit-remaining": "0", "x-rate-limit-reset": reset },
    });
    expect((await send(h, { screen_name: "theSeanCook", text: "a" })).status).toBe(429);
    const ok = await send(h, { screen_name: "dougw", text: "b" });
    expect(ok.status).toBe(200);
    expect(h.sandbox.stats.calls).toMatchObject({ "2/users/by/username/:username": 1, "2/users/by": 1 });
    expect(h.sandbox.stats.lookups).toContainEqual(["dougw"]);
    h.sandbox.setFault("2/users/by", {
      kind: "status",
      status: 429,
      body: '{"title":"Too Many Requests","status":429}',
      headers: { "x-rate-limit-reset": reset },
    });
    expect((await send(h, { screen_name: "igudo", text: "c" })).status).toBe(429);
    const calls = { ...h.sandbox.stats.calls };
    const refused = await send(h, { screen_name: "noradio", text: "d" });
    expect([refused.status, refused.headers.get("x-rate-limit-reset")]).toEqual([429, reset]);
    expect(h.sandbox.stats.calls).toEqual(calls);
    expect((await send(h, { screen_name: "dougw", text: "e" })).status).toBe(200);
  });

  it("answers 401/32 when the upstream refuses the proxy's signature, and 504 on a hang without a second try", async () => {
    const bad = await start("v2", { sandbox: { tokens: { "776627022-demo-access-token": "another-secret" } } });
    const res = await send(bad, { user_id: "38895958", text: "x" });
    expect([res.status, (await res.json()).errors[0].code]).toEqual([401, 32]);
    const slow = await start("v2", { app: { upstreamTimeoutMs: 200 } });
    slow.sandbox.setFault(V2_SEND, { kind: "hang" });
    const hung = await send(slow, { user_id: "38895958", text: "x" });
    expect(hung.status).toBe(504);
    expect(slow.sandbox.stats.calls[V2_SEND]).toBe(1);
  });

  it("finds the sender without a one-to-one conversation id: from the token's user id, else from /2/users/me", async () => {
    const groupAnswer = {
      kind: "status" as const,
      status: 201,
      body: '{"data":{"dm_conversation_id":"1582838650593567012","dm_event_id":"1582838650593567013"}}',
      headers: { "content-type": "application/json" },
    };
    const h = await start("v2");
    h.sandbox.setFault(V2_SEND, groupAnswer, 1);
    const byToken = await (await send(h, { user_id: "38895958", text: "x" })).json();
    expect([byToken.id_str, byToken.sender_id_str]).toEqual(["1582838650593567013", "776627022"]);
    expect(h.sandbox.stats.calls["2/users/me"]).toBeUndefined();

    const opaque = { consumers: { "demo-consumer-key": "demo-consumer-secret" }, tokens: { "opaque-token": "opaque-secret" } };
    const basic = { demo: { password: "demo-password", consumer_key: "demo-consumer-key", token: "opaque-token" } };
    const o = await start("v2", { sandbox: { tokens: opaque.tokens }, app: { credentials: createStaticCredentialStore({ ...opaque, basic }) } });
    o.sandbox.setFault(V2_SEND, groupAnswer, 1);
    const res = await o.call(
      new Request(NEW_JSON, {
        method: "POST",
        headers: { authorization: `Basic ${btoa("demo:demo-password")}`, "content-type": "application/x-www-form-urlencoded" },
        body: "user_id=38895958&text=x",
      }),
    );
    expect((await res.json()).sender_id_str).toBe("776627022");
    expect(o.sandbox.stats.calls["2/users/me"]).toBe(1);
  });

  it("works for an unmodified legacy library (twitter 1.7.1) with the proxy in v2 mode", async () => {
    const h = await start("v2", { listen: true });
    const client = demoTwitterClient(h.proxyUrl);
    const dm = await client.post("direct_messages/new", { screen_name: "igudo", text: "via v2" });
    expect(dm).toMatchObject({ text: "via v2", recipient_screen_name: "igudo", sender_screen_name: "s0c1alm3dia", id_str: h.sandbox.stats.events[0]!.id });
  });
});

describe("v2 mapping", () => {
  it("turns a v2 user into the 1.1 shape: id as number and string, ISO date in legacy form, metrics by their 1.1 names", () => {
    const user = toLegacyUser({
      id: "2244994945",
      name: "X Dev",
      username: "XDevelopers",
      created_at: "2013-12-14T04:35:55.000Z",
      protected: false,
      verified: true,
      url: "https://t.co/3ZX3TNiZCY",
      profile_image_url: "https://pbs.twimg.com/profile_images/1445764922474827784/W2zEPN7U_normal.jpg",
      public_metrics: { followers_count: 507902, following_count: 1863, tweet_count: 3561, listed_count: 1550, like_count: 12 },
    });
    expect(user).toMatchObject({
      id: 2244994945,
      id_str: "2244994945",
      screen_name: "XDevelopers",
      created_at: "Sat Dec 14 04:35:55 +0000 2013",
      followers_count: 507902,
      friends_count: 1863,
      statuses_count: 3561,
      listed_count: 1550,
      favourites_count: 12,
      verified: true,
      location: "",
      description: "",
      profile_image_url: "http://pbs.twimg.com/profile_images/1445764922474827784/W2zEPN7U_normal.jpg",
    });
  });

  it("reads v2 problem documents: a 403 about the app is not a recipient's refusal", () => {
    const of = (status: number, body: unknown) => toV2Error(new Response(null, { status }), body);
    expect(of(403, { type: "about:blank", status: 403 }).kind).toBe("recipient_refused");
    expect(of(403, { type: "https://api.twitter.com/2/problems/client-forbidden", detail: "attach a project" })).toMatchObject({
      kind: "upstream_error",
      detail: { upstreamStatus: 403, xMessage: "attach a project" },
    });
    expect(of(401, {}).kind).toBe("auth_invalid");
    expect(of(400, { type: "https://api.twitter.com/2/problems/resource-not-found" }).kind).toBe("recipient_not_found");
  });

  it("UPSTREAM_API selects v1.1 (default) or v2 and refuses anything else", () => {
    expect(parseConfig({}).upstreamApi).toBe("v1.1");
    expect(parseConfig({ UPSTREAM_API: "v2" }).upstreamApi).toBe("v2");
    expect(() => parseConfig({ UPSTREAM_API: "v3" })).toThrow(new ConfigError('UPSTREAM_API must be v1.1 or v2, got "v3"'));
  });
});
