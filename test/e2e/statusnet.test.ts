import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ErrorKind } from "../../src/core/errors";
import { ERROR_CASES, runErrorCase } from "../helpers/error-cases";
import { PROXY, startHarness, type Harness } from "../helpers/harness";
import { encodePairs, signLegacyCall } from "../helpers/legacy-client";
import { declarationOf, fixture, outlineJson, outlineXml, parseXml, rootAttributes, type Outline } from "../helpers/legacy-documents";

const ROUTE = "/api/direct_messages/new";
// Seed 001's example request: `curl …/api/direct_messages/new.xml -d "user=marcosgdf&text=abc"`.
const SEED_FORM = { user: "marcosgdf", text: "abc" };

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const send = (path: string, form: Record<string, string>) => h.call(signLegacyCall({ url: PROXY + path, form }));

/**
 * Seed 001's outline with what StatusNet and GNU social add: their two namespaced user fields at the end, and
 * Jisko's JSON typo `contributions_enabled` spelled as its XML spells it.
 */
function expectedOutline(seed: Outline, extra: readonly string[]): Outline {
  const [root, children] = Object.entries(seed as Record<string, Outline[]>)[0]!;
  const user = (fields: Outline[]): Outline[] => [...fields.map((f) => (f === "contributions_enabled" ? "contributors_enabled" : f)), ...extra];
  return {
    [root]: children.map((c: Outline): Outline => {
      if (typeof c === "string") return c;
      const [name, fields] = Object.entries(c)[0]!;
      return name === "sender" || name === "recipient" ? { [name]: user(fields) } : c;
    }),
  };
}

describe("StatusNet / GNU social / Jisko direct_messages/new through the sandbox", () => {
  it("answers seed 001's request with seed 001's XML and the statusnet namespace", async () => {
    const res = await send(`${ROUTE}.xml`, SEED_FORM);
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(declarationOf(xml)).toBe('<?xml version="1.0" encoding="UTF-8"?>');
    expect(outlineXml(xml)).toEqual(expectedOutline(outlineXml(fixture("statusnet/direct_message.xml")), ["statusnet:blocking", "statusnet:profile_url"]));
    expect(rootAttributes(xml)).toEqual({ "xmlns:statusnet": "http://status.net/schema/api/1/" });
    const dm = parseXml(xml).direct_message;
    expect(dm).toMatchObject({ text: "abc", sender_id: "776627022", recipient_id: "1", recipient_screen_name: "marcosgdf" });
    expect(dm.recipient).toMatchObject({ id: "1", screen_name: "marcosgdf", location: "", url: "", protected: "false", statuses_count: "4" });
    expect(dm.recipient["statusnet:profile_url"]).toBe("https://x.com/marcosgdf");
    expect(xml).toContain("<url/>");
    expect(h.sandbox.stats.events.map((e) => [e.recipient_id, e.text])).toEqual([["1", "abc"]]);
  });

  it("answers in seed 001's JSON, with numbers as numbers", async () => {
    const res = await send(`${ROUTE}.json`, SEED_FORM);
    const dm = await res.json();
    expect(outlineJson(dm, "direct_message")).toEqual(
      expectedOutline(outlineJson(JSON.parse(fixture("statusnet/direct_message.json")), "direct_message"), ["statusnet_blocking", "statusnet_profile_url"]),
    );
    expect(dm).toMatchObject({ text: "abc", sender_id: 776627022, recipient_id: 1 });
    expect(dm.recipient).toMatchObject({ id: 1, followers_count: 0, statuses_count: 4, protected: false, url: null, statusnet_blocking: false });
  });

  it("is also reached under /index.php/api, with HTTP Basic as Net::Twitter's identica mode sends it", async () => {
    const res = await h.call(
      new Request(`${PROXY}/index.php/api/direct_messages/new.json`, {
        method: "POST",
        headers: { authorization: `Basic ${btoa("demo:demo-password")}`, "content-type": "application/x-www-form-urlencoded" },
        body: encodePairs({ user: "marcosgdf", text: "basic", source: "Net::Twitter" }),
      }),
    );
    expect(res.status).toBe(200);
    expect((await res.json()).recipient_screen_name).toBe("marcosgdf");
  });

  it("keeps ids above 2^53 exact and a hostile profile intact", async () => {
    const xml = await (await send(`${ROUTE}.xml`, { user: "future_user", text: "x\u0000y" })).text();
    expect(xml).toContain("<recipient_id>1855000000000000999</recipient_id>");
    const dm = parseXml(xml).direct_message;
    expect(dm.recipient.name).toBe('Future <User> & "Co"');
    expect(dm.recipient.description).toBe("émoji 🐦 and ]]> in a profile");
    // NUL cannot be written in XML 1.0 at all: the document stays readable, the character shows as U+FFFD.
    expect(dm.text).toBe("x\uFFFDy");
    const json = await (await send(`${ROUTE}.json`, { user_id: "1855000000000000999", text: "x\u0000y" })).text();
    expect(json).toContain('"recipient_id":1855000000000000999,');
    expect(JSON.parse(json).text).toBe("x\u0000y");
  });

  it("reads `user` first, as StatusNet did: user=12345 is the id 12345, screen_name=12345 the name", async () => {
    const forms: Record<string, string>[] = [{ user: "12345" }, { screen_name: "12345" }, { user_id: "12345" }, { user: "12345", screen_name: "12345" }];
    for (const form of forms) {
      expect((await send(`${ROUTE}.json`, { ...form, text: "hi" })).status).toBe(200);
    }
    expect(h.sandbox.stats.events.map((e) => e.recipient_id)).toEqual(["12345", "4040404", "12345", "12345"]);
  });
});

/** StatusNet's statuses and sentences (apidirectmessagenew.php and the API action's clientError). */
const AUTH: [number, string] = [401, "Could not authenticate you."];
const EXPECTED: Record<ErrorKind, [number, string]> = {
  auth_missing: AUTH,
  auth_invalid: AUTH,
  auth_timestamp: AUTH,
  auth_replay: AUTH,
  param_missing: [403, "Recipient user not found."],
  param_invalid: [400, "user_id parameter is invalid."],
  text_missing: [406, "No message text!"],
  text_too_long: [406, "That's too long. Maximum message size is 10000 characters."],
  recipient_not_found: [403, "Recipient user not found."],
  recipient_refused: [403, "Can't send direct messages to users who aren't your friend."],
  duplicate: [403, "There was an error sending your message: Whoops! You already said that."],
  rate_limited: [403, "Too many messages too fast; take a breather and send again in a few minutes."],
  route_not_found: [404, "API method not found."],
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

describe("StatusNet errors: <hash><error/><request/></hash> and {error, request}", () => {
  for (const c of ERROR_CASES) {
    const [status, error] = EXPECTED[c.kind];
    it(`${c.name}: ${status} "${error}", in XML and JSON`, async () => {
      for (const format of ["xml", "json"] as const) {
        const { response, body, requestPath, harness } = await runErrorCase(c, ROUTE, format);
        try {
          expect(response.status).toBe(status);
          const doc =
            format === "xml"
              ? (expect(outlineXml(body)).toEqual(outlineXml(fixture("statusnet/error.xml"))), parseXml(body).hash)
              : (expect(outlineJson(JSON.parse(body), "hash")).toEqual(outlineJson(JSON.parse(fixture("statusnet/error.json")), "hash")), JSON.parse(body));
          expect(doc).toEqual({ error, request: requestPath });
          if (status === 401) expect(response.headers.get("www-authenticate")).toBe('Basic realm="dm-bridge API"');
          expect(harness.sandbox.stats.events).toHaveLength(c.sendTwice ? 1 : 0);
        } finally {
          await harness.close();
        }
      }
    });
  }
});
