import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ErrorKind } from "../../src/core/errors";
import { routeTable } from "../../src/dialects/registry";
import { ERROR_CASES, runErrorCase, type ErrorCase } from "../helpers/error-cases";
import { PROXY, startHarness, type Harness } from "../helpers/harness";
import { declarationOf, fixture, outlineJson, outlineXml, parseXml } from "../helpers/legacy-documents";

const SINA = { preferredDialects: ["sina-weibo"] };
// Seed 002's usage example, byte for byte as `curl -u user:password -d "…"` sends it: no encoding of the spaces.
const SEED_BODY = "text=all your bases are belong to us&user=user_2";

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ app: SINA });
});
afterEach(() => h.close());

function curl(path: string, body: string, user = "demo:demo-password"): Request {
  return new Request(PROXY + path, {
    method: "POST",
    headers: { authorization: `Basic ${btoa(user)}`, "content-type": "application/x-www-form-urlencoded" },
    body,
  });
}

describe("Sina Weibo v1 direct_messages/new through the sandbox", () => {
  it("answers seed 002's curl (-u demo:demo-password) with seed 002's XML, whichever error form the deployment chose", async () => {
    const plain = await startHarness();
    try {
      for (const proxy of [h, plain]) {
        const res = await proxy.call(curl("/direct_messages/new.xml", SEED_BODY));
        expect(res.status).toBe(200);
        const xml = await res.text();
        expect(declarationOf(xml)).toBe('<?xml version="1.0" encoding="UTF-8"?>');
        expect(outlineXml(xml)).toEqual(outlineXml(fixture("sina-weibo/direct_message.xml")));
        expect(parseXml(xml).direct_message).toMatchObject({
          text: "all your bases are belong to us",
          sender_screen_name: "s0c1alm3dia",
          recipient_screen_name: "user_2",
          recipient_id: "2",
        });
        expect(proxy.sandbox.stats.events.map((e) => [e.sender_id, e.recipient_id, e.text])).toEqual([["776627022", "2", "all your bases are belong to us"]]);
      }
    } finally {
      await plain.close();
    }
  });

  it("takes the final documents' `id`, with the app key as `source` in the query, in JSON", async () => {
    const res = await h.call(curl("/direct_messages/new.json?source=1234567890", `id=igudo&text=${encodeURIComponent("你好 & bye")}`));
    expect(res.status).toBe(200);
    const dm = await res.json();
    expect(outlineJson(dm, "direct_message")).toEqual(outlineXml(fixture("sina-weibo/direct_message.xml")));
    expect(dm).toMatchObject({ recipient_id: 7004322, recipient_screen_name: "igudo", text: "你好 & bye" });
    // `source` again in the body, as some clients also put it: still ignored, still sent once.
    expect((await h.call(curl("/direct_messages/new.json?source=1", "source=2&user=igudo&text=again"))).status).toBe(200);
    expect(h.sandbox.stats.events.map((e) => e.text)).toEqual(["你好 & bye", "again"]);
  });

  it("reads user=12345 and id=12345 as the id 12345, screen_name=12345 as the name", async () => {
    for (const body of ["user=12345", "id=12345", "screen_name=12345", "user_id=12345"]) {
      expect((await h.call(curl("/direct_messages/new.json", `${body}&text=hi`))).status).toBe(200);
    }
    expect(h.sandbox.stats.events.map((e) => e.recipient_id)).toEqual(["12345", "12345", "4040404", "12345"]);
  });

  it("keeps a recipient id above 2^53 exact in XML and JSON", async () => {
    const xml = await (await h.call(curl("/direct_messages/new.xml", "user=future_user&text=hi"))).text();
    expect(xml).toContain("<recipient_id>1855000000000000999</recipient_id>");
    expect(parseXml(xml).direct_message.recipient.name).toBe('Future <User> & "Co"');
    const json = await (await h.call(curl("/direct_messages/new.json", "user_id=1855000000000000999&text=hi"))).text();
    expect(json).toContain('"recipient_id":1855000000000000999,');
  });

  it("serves Sina's error form on the unversioned path only, and only when the deployment asks for it", () => {
    const owner = (table: ReturnType<typeof routeTable>, path: string) => table.find((r) => r.path === path)?.dialect.name;
    expect(owner(routeTable(), "/direct_messages/new.json")).toBe("twitter-1.0");
    expect(owner(routeTable(undefined, ["sina-weibo"]), "/direct_messages/new.json")).toBe("sina-weibo");
    expect(owner(routeTable(undefined, ["sina-weibo"]), "/1/direct_messages/new.json")).toBe("twitter-1.0");
  });
});

/** Sina's answer per kind: HTTP status, and the five-digit code and sentence of `error`. */
const EXPECTED: Record<ErrorKind, [number, string]> = {
  auth_missing: [401, "40102:Oauth Error: parameter_absent!"],
  auth_invalid: [401, "40107:Oauth Error: signature_invalid!"],
  auth_timestamp: [401, "40104:Oauth Error: timestamp_refused!"],
  auth_replay: [401, "40105:Oauth Error: nonce_used!"],
  param_missing: [400, "40001:Error: miss required parameter (id or user)!"],
  param_invalid: [400, "40001:Error: parameter (user_id) is invalid!"],
  text_missing: [400, "40012:Error: content is null!"],
  text_too_long: [400, "40013:Error: Text too long, please input text less than 10000 characters!"],
  recipient_not_found: [400, "40023:Error: User does not exists!"],
  recipient_refused: [400, "40017:Error: can't send direct message to user who is not your follower!"],
  duplicate: [400, "40025:Error: repeated weibo text!"],
  rate_limited: [403, "40308:Error: This method is subject to update limits!"],
  route_not_found: [404, "40400:Error: Request api not found!"],
  method_not_allowed: [405, "40500:Error: HTTP method is not suported for this request!"],
  body_too_large: [413, "41300:Error: request body is larger than 1024 bytes!"],
  unsupported_media_type: [415, "41500:Error: parameters must be sent as application/x-www-form-urlencoded!"],
  upstream_timeout: [504, "50400:Error: the X API did not answer in time; the message may not have been sent!"],
  upstream_unreachable: [502, "50200:Error: the X API could not be reached!"],
  upstream_bad_response: [502, "50200:Error: The X API accepted the message, but its answer could not be read: it may have been sent."],
  upstream_error: [502, "50200:Error: Internal error"],
  unavailable: [503, "50300:Error: service unavailable, try again later!"],
  internal: [500, "50000:Error: system error!"],
};

const expectedFor = (c: ErrorCase): [number, string] =>
  // A Basic login that fails is Sina's "auth faild", as its answers to a wrong password were.
  c.name === "a wrong Basic password" ? [403, "40302:Error: auth faild!"] : EXPECTED[c.kind];

describe("Sina Weibo v1 errors: {request, error_code, error} with UNVERSIONED_ERROR_FORM=sina", () => {
  for (const c of ERROR_CASES) {
    const [status, error] = expectedFor(c);
    it(`${c.name}: ${status} "${error}", in JSON and XML`, async () => {
      for (const format of ["json", "xml"] as const) {
        const { response, body, requestPath, harness } = await runErrorCase(c, "/direct_messages/new", format, SINA);
        try {
          expect(response.status).toBe(status);
          const doc =
            format === "xml"
              ? (expect(outlineXml(body)).toEqual(outlineXml(fixture("sina-weibo/error.xml"))), parseXml(body).hash)
              : (expect(outlineJson(JSON.parse(body), "hash")).toEqual(outlineJson(JSON.parse(fixture("sina-weibo/error.json")), "hash")), JSON.parse(body));
          expect(doc).toEqual({ request: requestPath, error_code: String(status), error });
          if (status === 401) expect(response.headers.get("www-authenticate")).toBe('Basic realm="Weibo API"');
          expect(harness.sandbox.stats.events).toHaveLength(c.sendTwice ? 1 : 0);
        } finally {
          await harness.close();
        }
      }
    });
  }

  it("answers Twitter 1.0's form on the same path when the deployment keeps the default", async () => {
    const plain = await startHarness();
    try {
      const res = await plain.call(curl("/direct_messages/new.json?source=k", SEED_BODY, "demo:wrong"));
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: "Could not authenticate you.", request: "/direct_messages/new.json?source=k" });
    } finally {
      await plain.close();
    }
  });
});
