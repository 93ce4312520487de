import { afterEach, beforeEach, describe, expect, it } from "vitest";
import Twit, { type TwitError } from "twit";
import { OAuth } from "oauth";
import { DEMO, demoTwitterClient } from "../helpers/legacy-client";
import { startHarness, type Harness } from "../helpers/harness";

/**
 * Unmodified legacy client libraries from npm, pointed at the proxy's loopback URL through their own base-URL
 * options. Each test checks what the sandbox received and what the library itself parsed from the answer.
 */
const TEXT = "Hello Ladies + Gentlemen!*'() 100% & more = ümlaut 日本語 🐦";

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ listen: true });
});
afterEach(() => h.close());

const twit = () =>
  new Twit({ consumer_key: DEMO.consumerKey, consumer_secret: DEMO.consumerSecret, access_token: DEMO.token, access_token_secret: DEMO.tokenSecret });

const twitter = () => demoTwitterClient(h.proxyUrl);

function oauthPost(url: string, body: Record<string, string>) {
  const oa = new OAuth(null, null, DEMO.consumerKey, DEMO.consumerSecret, "1.0A", null, "HMAC-SHA1");
  return new Promise<{ status: number; body: string }>((resolve) =>
    oa.post(url, DEMO.token, DEMO.tokenSecret, body, null, (err, data, res) =>
      resolve(err ? { status: err.statusCode, body: err.data } : { status: res!.statusCode, body: data! }),
    ),
  );
}

describe("twit 2.2.11 (parameters in the query string, empty body, no Content-Type)", () => {
  it("sends a DM by screen name and parses the legacy answer", async () => {
    const { data, resp } = await twit().post(`${h.proxyUrl}/1.1/direct_messages/new.json`, { screen_name: "theSeanCook", text: TEXT });
    expect(resp.statusCode).toBe(200);
    const sent = h.sandbox.stats.events;
    expect(sent).toEqual([{ id: expect.any(String), sender_id: "776627022", recipient_id: "38895958", text: TEXT }]);
    expect(data).toMatchObject({ id_str: sent[0]!.id, text: TEXT, sender_screen_name: "s0c1alm3dia", recipient_screen_name: "theSeanCook" });
    const [req] = h.received;
    expect([req!.body, req!.contentType, new URL(req!.url).searchParams.get("text")]).toEqual(["", null, TEXT]);
  });

  it("surfaces the legacy error code in its own error object", async () => {
    const err: TwitError = await twit()
      .post(`${h.proxyUrl}/1.1/direct_messages/new.json`, { screen_name: "lonely_heart", text: "hi" })
      .then(
        () => expect.fail("twit resolved a refused send"),
        (e: TwitError) => e,
      );
    expect([err.statusCode, err.code, err.message]).toEqual([403, 150, "You cannot send messages to users who are not following you."]);
    expect(h.sandbox.stats.events).toHaveLength(0);
  });
});

describe("twitter 1.7.1 (form body, rest_base)", () => {
  it("sends a DM by user_id above 2^53 and parses the legacy answer", async () => {
    const dm = await twitter().post("direct_messages/new", { user_id: "1855000000000000999", text: TEXT });
    const sent = h.sandbox.stats.events;
    expect(sent).toEqual([{ id: expect.any(String), sender_id: "776627022", recipient_id: "1855000000000000999", text: TEXT }]);
    expect(dm).toMatchObject({ id_str: sent[0]!.id, recipient_id_str: "1855000000000000999", recipient_screen_name: "future_user", text: TEXT });
    expect((dm.sender as { name: string }).name).toBe("Mick Jagger");
    expect(h.received[0]!.contentType).toBe("application/x-www-form-urlencoded");
  });

  it("rejects with the legacy errors array for an unknown user", async () => {
    const errors = await twitter()
      .post("direct_messages/new", { screen_name: "nobody_here_at_all", text: "hi" })
      .then(
        () => expect.fail("twitter resolved a refused send"),
        (e: unknown) => e,
      );
    expect(errors).toEqual([{ code: 17, message: "No user matches for specified terms." }]);
    expect(h.sandbox.stats.events).toHaveLength(0);
  });
});

describe('oauth 0.10.2 (oauth_version="1.0A")', () => {
  it("sends a DM with the user parameter and gets the legacy JSON", async () => {
    const res = await oauthPost(`${h.proxyUrl}/1.1/direct_messages/new.json`, { user: "dougw", text: TEXT });
    expect(res.status).toBe(200);
    const dm = JSON.parse(res.body);
    expect(h.sandbox.stats.events).toEqual([{ id: dm.id_str, sender_id: "776627022", recipient_id: "1401881", text: TEXT }]);
    expect(dm).toMatchObject({ recipient_screen_name: "dougw", sender_id_str: "776627022" });
    expect(h.received[0]!.authorization).toContain('oauth_version="1.0A"');
  });

  it("is refused, and nothing is sent, when its signature covers another secret", async () => {
    const oa = new OAuth(null, null, DEMO.consumerKey, "not-the-secret", "1.0A", null, "HMAC-SHA1");
    const res = await new Promise<{ statusCode: number; data: string } | null>((resolve) =>
      oa.post(`${h.proxyUrl}/1.1/direct_messages/new.json`, DEMO.token, DEMO.tokenSecret, { user: "dougw", text: "x" }, null, (err) => resolve(err)),
    );
    expect(res?.statusCode).toBe(401);
    expect(JSON.parse(res!.data)).toEqual({ errors: [{ code: 32, message: "Could not authenticate you." }] });
    expect(h.sandbox.stats.events).toHaveLength(0);
  });
});
