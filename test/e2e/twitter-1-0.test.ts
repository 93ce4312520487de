import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ErrorKind } from "../../src/core/errors";
import { ERROR_CASES, runErrorCase } from "../helpers/error-cases";
import { PROXY, startHarness, type Harness } from "../helpers/harness";
import { encodePairs, signLegacyCall } from "../helpers/legacy-client";
import { declarationOf, fixture, outlineJson, outlineXml, parseXml } from "../helpers/legacy-documents";

const ROUTE = "/1/direct_messages/new";
// Seed 002's example request, as its curl line sends it.
const SEED_FORM = { text: "all your bases are belong to us", user: "user_2" };
const CREATED_AT = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \+0000 \d{4}$/;

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const send = (path: string, form: Record<string, string>) => h.call(signLegacyCall({ url: PROXY + path, form }));

describe("Twitter 1.0 direct_messages/new through the sandbox", () => {
  it("answers seed 002's request in seed 002's XML, on the versioned and the unversioned path", async () => {
    for (const path of [`${ROUTE}.xml`, "/direct_messages/new.xml"]) {
      const res = await send(path, SEED_FORM);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/xml; charset=utf-8");
      const xml = await res.text();
      expect(declarationOf(xml)).toBe('<?xml version="1.0" encoding="UTF-8"?>');
      expect(outlineXml(xml)).toEqual(outlineXml(fixture("twitter-1-0/direct_message.xml")));
      const dm = parseXml(xml).direct_message;
      expect(dm).toMatchObject({
        sender_id: "776627022",
        text: "all your bases are belong to us",
        recipient_id: "2",
        sender_screen_name: "s0c1alm3dia",
        recipient_screen_name: "user_2",
      });
      expect(dm.created_at).toMatch(CREATED_AT);
      expect(dm.sender).toMatchObject({ id: "776627022", name: "Mick Jagger", url: "http://cnn.com", protected: "false", friends_count: "11" });
      expect(dm.recipient).toMatchObject({ id: "2", screen_name: "user_2", url: "", utc_offset: "", following: "false" });
      expect(xml).toContain("<url/>");
    }
    expect(h.sandbox.stats.events.map((e) => [e.recipient_id, e.text])).toEqual([
      ["2", SEED_FORM.text],
      ["2", SEED_FORM.text],
    ]);
  });

  it("writes JSON with seed 002's keys in its order, as numbers, booleans and nulls", async () => {
    const res = await send(`${ROUTE}.json`, SEED_FORM);
    expect(res.status).toBe(200);
    const dm = await res.json();
    expect(outlineJson(dm, "direct_message")).toEqual(outlineXml(fixture("twitter-1-0/direct_message.xml")));
    expect(dm).toMatchObject({ sender_id: 776627022, recipient_id: 2, text: SEED_FORM.text });
    expect(dm.sender).toMatchObject({ id: 776627022, protected: false, friends_count: 11, utc_offset: null, url: "http://cnn.com" });
    expect(dm.recipient.url).toBeNull();
    expect(dm.id).toBeGreaterThan(0);
  });

  it("keeps ids above 2^53 exact and escapes a hostile profile, in XML and JSON", async () => {
    const xmlRes = await send(`${ROUTE}.xml`, { user: "future_user", text: "to <the> future & back ]]> \r\n end" });
    const xml = await xmlRes.text();
    const [first, second] = h.sandbox.stats.events;
    expect(BigInt(first!.id) > 2n ** 53n).toBe(true);
    expect(xml).toContain(`<id>${first!.id}</id>`);
    expect(xml).toContain("<recipient_id>1855000000000000999</recipient_id>");
    const dm = parseXml(xml).direct_message;
    expect(dm.text).toBe("to <the> future & back ]]> \r\n end");
    expect(dm.recipient.name).toBe('Future <User> & "Co"');
    expect(dm.recipient.description).toBe("émoji 🐦 and ]]> in a profile");
    expect(second).toBeUndefined();

    const jsonRes = await send(`${ROUTE}.json`, { user_id: "1855000000000000999", text: "again" });
    const raw = await jsonRes.text();
    expect(raw).toContain(`"id":${h.sandbox.stats.events[1]!.id},`);
    expect(raw).toContain('"recipient_id":1855000000000000999,');
    expect(raw).toContain('"recipient":{"id":1855000000000000999,');
  });

  it("reads user=12345 as the id 12345, screen_name=12345 as the name, user_id=12345 as the id", async () => {
    const recipientOf = async (form: Record<string, string>) =>
      parseXml(await (await send(`${ROUTE}.xml`, { ...form, text: "hi" })).text()).direct_message.recipient_screen_name;
    expect(await recipientOf({ user: "12345" })).toBe("noradio");
    expect(await recipientOf({ screen_name: "12345" })).toBe("12345");
    expect(await recipientOf({ user_id: "12345" })).toBe("noradio");
    expect(await recipientOf({ user: "12345", screen_name: "12345" })).toBe("12345");
    expect(h.sandbox.stats.events.map((e) => e.recipient_id)).toEqual(["12345", "4040404", "12345", "4040404"]);
  });

  it("accepts HTTP Basic from the `basic` section, as Net::Twitter sends it, and ignores `source`", async () => {
    const res = await h.call(
      new Request(`${PROXY}${ROUTE}.json?source=netTwitter`, {
        method: "POST",
        headers: { authorization: `Basic ${btoa("demo:demo-password")}`, "content-type": "application/x-www-form-urlencoded" },
        body: encodePairs({ user: "dougw", text: "via basic", source: "twitterfeed" }),
      }),
    );
    expect(res.status).toBe(200);
    expect((await res.json()).recipient_screen_name).toBe("dougw");
  });
});

/** What the 1.0 API answered for each kind of failure: status and sentence. */
const EXPECTED: Record<ErrorKind, [number, string]> = {
  auth_missing: [401, "Could not authenticate you."],
  auth_invalid: [401, "Could not authenticate you."],
  auth_timestamp: [401, "Timestamp out of bounds."],
  auth_replay: [401, "Invalid / used nonce"],
  param_missing: [400, "user parameter is missing."],
  param_invalid: [400, "user_id parameter is invalid."],
  text_missing: [400, "text parameter is missing."],
  text_too_long: [403, "The text of your direct message is over the max character limit."],
  recipient_not_found: [404, "Cannot find specified user."],
  recipient_refused: [403, "You cannot send messages to users who are not following you."],
  duplicate: [403, "There was an error sending your message: Whoops! You already said that."],
  rate_limited: [403, "This method is subject to update limits."],
  route_not_found: [404, "Not found"],
  method_not_allowed: [405, "This method requires a POST."],
  body_too_large: [413, "Request body is larger than 1024 bytes."],
  unsupported_media_type: [415, "Parameters must be sent as application/x-www-form-urlencoded."],
  upstream_timeout: [504, "The X API did not answer in time; the message may not have been sent."],
  upstream_unreachable: [502, "The X API could not be reached."],
  upstream_bad_response: [502, "The X API accepted the message, but its answer could not be read: it may have been sent."],
  upstream_error: [502, "Internal error"],
  unavailable: [503, "The service is unavailable for a moment; try again shortly."],
  internal: [500, "Internal error."],
};

describe("Twitter 1.0 errors: <hash><request/><error/></hash> and {error, request}", () => {
  for (const c of ERROR_CASES) {
    it(`${c.name}: ${EXPECTED[c.kind][0]} "${EXPECTED[c.kind][1]}", in XML and JSON`, async () => {
      for (const format of ["xml", "json"] as const) {
        const { response, body, requestPath, harness } = await runErrorCase(c, ROUTE, format);
        try {
          expect(response.status).toBe(EXPECTED[c.kind][0]);
          const doc =
            format === "xml"
              ? (expect(outlineXml(body)).toEqual(outlineXml(fixture("twitter-1-0/error.xml"))), parseXml(body).hash)
              : (expect(outlineJson(JSON.parse(body), "hash")).toEqual(outlineJson(JSON.parse(fixture("twitter-1-0/error.json")), "hash")), JSON.parse(body));
          expect(doc).toEqual({ request: requestPath, error: EXPECTED[c.kind][1] });
          if (response.status === 401) expect(response.headers.get("www-authenticate")).toBe('Basic realm="Twitter API"');
          expect(harness.sandbox.stats.events).toHaveLength(c.sendTwice ? 1 : 0);
        } finally {
          await harness.close();
        }
      }
    });
  }
});
