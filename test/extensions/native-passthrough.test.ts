import fc from "fast-check";
import OAuth from "oauth-1.0a";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEMO, type ClientCredentials } from "../helpers/legacy-client";
import { PROXY, startHarness, type Harness } from "../helpers/harness";
import { oauthPackageHash } from "../helpers/node-crypto";
import { fromFetch } from "../../src/upstream/upstream-fetch";

const EVENTS = "/1.1/direct_messages/events/new.json";
// Seed 004's example body, spaced as it is there; the proxy must not reformat it.
const SEED_BODY = '{"event": {"type": "message_create", "message_create": {"target": {"recipient_id": "38895958"}, "message_data": {"text": "Hello World!"}}}}';

let h: Harness;
let upstreamCalls: { url: string; body: string; authorization: string | null; type: string | null }[];
beforeEach(async () => {
  upstreamCalls = [];
  h = await startHarness({ app: { fetch: fromFetch((url, init) => recordingFetch(new Request(url, init))) } });
});
afterEach(() => h.close());

async function recordingFetch(r: Request): Promise<Response> {
  const copy = r.clone();
  upstreamCalls.push({ url: copy.url, body: await copy.text(), authorization: copy.headers.get("authorization"), type: copy.headers.get("content-type") });
  return fetch(r);
}

function signedJsonPost(body: string, creds: ClientCredentials = DEMO, url = `${PROXY}${EVENTS}`): Request {
  const oauth = new OAuth({
    consumer: { key: creds.consumerKey, secret: creds.consumerSecret },
    signature_method: "HMAC-SHA1",
    hash_function: oauthPackageHash,
  });
  const auth = oauth.toHeader(oauth.authorize({ url, method: "POST", data: {} }, { key: creds.token, secret: creds.tokenSecret }));
  return new Request(url, { method: "POST", headers: { authorization: auth.Authorization, "content-type": "application/json" }, body });
}

describe("native passthrough: POST /1.1/direct_messages/events/new.json on the proxy", () => {
  it("forwards seed 004's body byte for byte, signed again upstream, and passes the answer back", async () => {
    const clientReq = signedJsonPost(SEED_BODY);
    const clientAuth = clientReq.headers.get("authorization");
    const res = await h.call(clientReq);
    expect(res.status).toBe(200);
    const answer = await res.json();
    expect(h.sandbox.stats.events).toEqual([{ id: answer.event.id, sender_id: "776627022", recipient_id: "38895958", text: "Hello World!" }]);
    expect(answer.event.message_create.message_data.text).toBe("Hello World!");
    expect(upstreamCalls).toHaveLength(1);
    expect(upstreamCalls[0]).toMatchObject({ url: `${h.upstreamUrl}${EVENTS}`, body: SEED_BODY, type: "application/json" });
    // Signed anew for the upstream URL: the client's own header would not verify there.
    expect(upstreamCalls[0]!.authorization).not.toBe(clientAuth);
    expect(upstreamCalls[0]!.authorization).toMatch(/oauth_token="776627022-demo-access-token"/);
  });

  it("carries attachments and quick replies through untouched", async () => {
    const body = JSON.stringify({
      event: {
        type: "message_create",
        message_create: {
          target: { recipient_id: "1401881" },
          message_data: { text: "pick", attachment: { type: "media", media: { id: "77" } }, quick_reply: { type: "options", options: [{ label: "A" }] } },
        },
      },
    });
    expect((await h.call(signedJsonPost(body))).status).toBe(200);
    expect(h.sandbox.stats.events[0]).toMatchObject({
      attachment: { type: "media", media: { id: "77" } },
      quick_reply: { type: "options", options: [{ label: "A" }] },
    });
  });

  it("passes the upstream's refusal back unchanged, status, body and rate-limit headers", async () => {
    const refused = await h.call(signedJsonPost(SEED_BODY.replace("38895958", "3000000001")));
    expect([refused.status, await refused.text()]).toEqual([
      403,
      JSON.stringify({ errors: [{ code: 150, message: "You cannot send messages to users who are not following you." }] }),
    ]);
    h.sandbox.setFault("direct_messages/events/new", {
      kind: "status",
      status: 429,
      body: '{"errors":[{"code":88,"message":"Rate limit exceeded."}]}',
      headers: { "x-rate-limit-reset": "123", "content-type": "application/json" },
    });
    const limited = await h.call(signedJsonPost(SEED_BODY));
    expect([limited.status, limited.headers.get("x-rate-limit-reset"), (await limited.json()).errors[0].code]).toEqual([429, "123", 88]);
  });

  it("refuses a bad signature (401/32), no credentials (400/215) and a form body (415), forwarding nothing", async () => {
    const wrong = await h.call(signedJsonPost(SEED_BODY, { ...DEMO, tokenSecret: "guess" }));
    expect([wrong.status, await wrong.json()]).toEqual([401, { errors: [{ code: 32, message: "Could not authenticate you." }] }]);
    const none = await h.call(new Request(`${PROXY}${EVENTS}`, { method: "POST", headers: { "content-type": "application/json" }, body: SEED_BODY }));
    expect([none.status, (await none.json()).errors[0].code]).toEqual([400, 215]);
    const form = await h.call(
      new Request(`${PROXY}${EVENTS}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "text=x" }),
    );
    expect(form.status).toBe(415);
    expect((await h.call(new Request(`${PROXY}${EVENTS}`))).status).toBe(405);
    expect(upstreamCalls).toEqual([]);
  });

  it("accepts HTTP Basic from the `basic` section", async () => {
    const res = await h.call(
      new Request(`${PROXY}${EVENTS}`, {
        method: "POST",
        headers: { authorization: `Basic ${btoa("demo:demo-password")}`, "content-type": "application/json" },
        body: SEED_BODY,
      }),
    );
    expect(res.status).toBe(200);
    expect(h.sandbox.stats.events).toHaveLength(1);
  });

  it("answers 504 on an upstream hang and does not try again", async () => {
    await h.close();
    upstreamCalls = [];
    h = await startHarness({ app: { fetch: fromFetch((url, init) => recordingFetch(new Request(url, init))), upstreamTimeoutMs: 200 } });
    h.sandbox.setFault("direct_messages/events/new", { kind: "hang" });
    const res = await h.call(signedJsonPost(SEED_BODY));
    expect([res.status, (await res.json()).errors[0].code]).toEqual([504, 130]);
    expect(upstreamCalls).toHaveLength(1);
  });

  it("answers random bodies with what the upstream said, and the upstream records a send exactly for each 200", async () => {
    const text = fc.string({ maxLength: 30 });
    const event = fc.record({
      event: fc.record({
        type: fc.constantFrom("message_create", "other"),
        message_create: fc.record(
          { target: fc.record({ recipient_id: fc.constantFrom("38895958", "1401881", "3000000002", "999", "x") }), message_data: fc.record({ text }) },
          { requiredKeys: [] },
        ),
      }),
    });
    const body = fc.oneof(
      fc.string({ unit: "binary", maxLength: 60 }),
      fc.json(),
      event.map((e) => JSON.stringify(e)),
    );
    let ok = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        runs++;
        const res = await h.call(signedJsonPost(b));
        expect(res.status).toBeLessThan(500);
        if (res.status === 200) ok++;
        expect(h.sandbox.stats.events).toHaveLength(ok);
      }),
      { numRuns: 150, examples: [[SEED_BODY], [SEED_BODY.replace("Hello", "Again")]] },
    );
    expect(ok).toBeGreaterThanOrEqual(2);
    expect(upstreamCalls).toHaveLength(runs);
  });
});
