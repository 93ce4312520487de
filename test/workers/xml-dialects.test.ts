import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import sinaMessage from "../fixtures/sina-weibo/direct_message.xml?raw";
import sinaError from "../fixtures/sina-weibo/error.xml?raw";
import statusnetError from "../fixtures/statusnet/error.xml?raw";
import twitter10Error from "../fixtures/twitter-1-0/error.xml?raw";
import twitter10Message from "../fixtures/twitter-1-0/direct_message.xml?raw";
import { declarationOf, outlineXml, parseXml, rootAttributes } from "../helpers/legacy-documents";
import { DEMO, signWebLegacyCall } from "./web-client";

// The XML dialects end to end in workerd: the bundle's XMLBuilder output, read back as a legacy client would.
const PROXY = "http://proxy.test";
const CREATED_AT = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \+0000 \d{4}$/;
const worker = env.SANDBOX_WORKER;

function curl(path: string, body: string, user = "demo:demo-password"): Request {
  return new Request(PROXY + path, {
    method: "POST",
    headers: { authorization: `Basic ${btoa(user)}`, "content-type": "application/x-www-form-urlencoded" },
    body,
  });
}

async function xmlOf(res: Response) {
  expect(res.headers.get("content-type")).toBe("application/xml; charset=utf-8");
  const xml = await res.text();
  expect(declarationOf(xml)).toBe('<?xml version="1.0" encoding="UTF-8"?>');
  return xml;
}

describe("XML dialects from the deployed bundle", () => {
  it("Twitter 1.0: seed 002's request answered in seed 002's XML", async () => {
    const req = await signWebLegacyCall({ url: `${PROXY}/1/direct_messages/new.xml`, form: { text: "all your bases are belong to us", user: "user_2" } });
    const res = await worker.fetch(req);
    expect(res.status).toBe(200);
    const xml = await xmlOf(res);
    expect(outlineXml(xml)).toEqual(outlineXml(twitter10Message));
    const dm = parseXml(xml).direct_message;
    expect(dm).toMatchObject({ sender_id: "776627022", recipient_id: "2", text: "all your bases are belong to us", recipient_screen_name: "user_2" });
    expect(dm.created_at).toMatch(CREATED_AT);
    expect(dm.sender).toMatchObject({ id: "776627022", name: "Mick Jagger", protected: "false", friends_count: "11" });
    expect(xml).toContain("<url/>");
  });

  it("Sina Weibo v1: seed 002's curl with HTTP Basic, answered in Sina's XML", async () => {
    const res = await worker.fetch(curl("/direct_messages/new.xml", "text=all your bases are belong to us&user=user_2"));
    expect(res.status).toBe(200);
    const xml = await xmlOf(res);
    expect(outlineXml(xml)).toEqual(outlineXml(sinaMessage));
    expect(parseXml(xml).direct_message).toMatchObject({ text: "all your bases are belong to us", sender_screen_name: "s0c1alm3dia", recipient_id: "2" });
  });

  it("StatusNet: seed 001's request, with the statusnet namespace and an id above 2^53 kept exact", async () => {
    const res = await worker.fetch(await signWebLegacyCall({ url: `${PROXY}/api/direct_messages/new.xml`, form: { user: "marcosgdf", text: "abc" } }));
    expect(res.status).toBe(200);
    const xml = await xmlOf(res);
    expect(rootAttributes(xml)).toEqual({ "xmlns:statusnet": "http://status.net/schema/api/1/" });
    const dm = parseXml(xml).direct_message;
    expect(dm).toMatchObject({ text: "abc", sender_id: "776627022", recipient_id: "1", recipient_screen_name: "marcosgdf" });
    expect(dm.recipient["statusnet:profile_url"]).toBe("https://x.com/marcosgdf");

    const future = await worker.fetch(await signWebLegacyCall({ url: `${PROXY}/api/direct_messages/new.xml`, form: { user: "future_user", text: "x" } }));
    const futureXml = await xmlOf(future);
    expect(futureXml).toContain("<recipient_id>1855000000000000999</recipient_id>");
    expect(parseXml(futureXml).direct_message.recipient.name).toBe('Future <User> & "Co"');
  });
});

describe("XML error documents from the deployed bundle", () => {
  it("Twitter 1.0: 401 with a Basic challenge and <hash><request/><error/></hash>", async () => {
    const path = "/1/direct_messages/new.xml";
    const res = await worker.fetch(
      await signWebLegacyCall({ url: PROXY + path, form: { user: "dougw", text: "x" }, creds: { ...DEMO, tokenSecret: "guess" } }),
    );
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Basic realm="/);
    const xml = await xmlOf(res);
    expect(outlineXml(xml)).toEqual(outlineXml(twitter10Error));
    expect(parseXml(xml).hash).toEqual({ request: path, error: "Could not authenticate you." });
  });

  it('StatusNet: 406 "No message text!"', async () => {
    const path = "/api/direct_messages/new.xml";
    const res = await worker.fetch(await signWebLegacyCall({ url: PROXY + path, form: { user: "dougw" } }));
    expect(res.status).toBe(406);
    const xml = await xmlOf(res);
    expect(outlineXml(xml)).toEqual(outlineXml(statusnetError));
    expect(parseXml(xml).hash).toEqual({ error: "No message text!", request: path });
  });

  it("Sina, with UNVERSIONED_ERROR_FORM=sina as a var: 400 40023 for an unknown user, 403 40302 for a wrong password", async () => {
    const path = "/direct_messages/new.xml";
    const unknown = await env.SINA_WORKER.fetch(curl(path, "text=hi&user=nobody_by_this_name"));
    expect(unknown.status).toBe(400);
    const xml = await xmlOf(unknown);
    expect(outlineXml(xml)).toEqual(outlineXml(sinaError));
    expect(parseXml(xml).hash).toEqual({ request: path, error_code: "400", error: "40023:Error: User does not exists!" });
    const wrong = await env.SINA_WORKER.fetch(curl(path, "text=hi&user=dougw", "demo:wrong"));
    expect(wrong.status).toBe(403);
    expect(parseXml(await xmlOf(wrong)).hash).toEqual({ request: path, error_code: "403", error: "40302:Error: auth faild!" });
  });
});
