import OAuth from "oauth-1.0a";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEMO, encodePairs } from "../helpers/legacy-client";
import { startHarness, type Harness } from "../helpers/harness";
import { parseXml } from "../helpers/legacy-documents";
import { oauthPackageHash } from "../helpers/node-crypto";
import { CURL, run, shouldSkip } from "./external-client";

/** curl as the seeds and the printed demo use it: `-u user:password -d "…"`, and an OAuth header computed apart. */
let h: Harness;
beforeEach(async () => {
  h = await startHarness({ listen: true });
});
afterEach(() => h.close());

async function curl(...args: string[]) {
  const r = await run("curl", ["-sS", "-w", "\n%{http_code}\t%{content_type}", ...args]);
  expect(r.code, r.stderr).toBe(0);
  const cut = r.stdout.lastIndexOf("\n");
  const [status, type] = r.stdout.slice(cut + 1).split("\t");
  return { status: Number(status), type, body: r.stdout.slice(0, cut) };
}

function oauthHeader(url: string, form: Record<string, string>): string {
  const oauth = new OAuth({ consumer: { key: DEMO.consumerKey, secret: DEMO.consumerSecret }, signature_method: "HMAC-SHA1", hash_function: oauthPackageHash });
  const data = oauth.authorize({ url, method: "POST", data: form }, { key: DEMO.token, secret: DEMO.tokenSecret });
  return oauth.toHeader(data).Authorization;
}

describe.skipIf(shouldSkip(CURL))("curl", () => {
  it('curl -u demo:demo-password -d "screen_name=…&text=…" with a raw space, as the README prints it', async () => {
    const res = await curl("-u", "demo:demo-password", "-d", "screen_name=theSeanCook&text=hello from dm-bridge", `${h.proxyUrl}/1.1/direct_messages/new.json`);
    expect([res.status, res.type]).toEqual([200, "application/json; charset=utf-8"]);
    const dm = JSON.parse(res.body);
    expect(h.sandbox.stats.events).toEqual([{ id: dm.id_str, sender_id: "776627022", recipient_id: "38895958", text: "hello from dm-bridge" }]);
    expect(res.body).toContain(`"id":${dm.id_str},`);
    expect(h.received[0]!.body).toBe("screen_name=theSeanCook&text=hello from dm-bridge");
  });

  it("curl -u with --data-urlencode for reserved characters", async () => {
    const text = "50% off & free = yes? #deal 🐦";
    const res = await curl("-u", "demo:demo-password", "--data-urlencode", `text=${text}`, "-d", "user=dougw", `${h.proxyUrl}/1.1/direct_messages/new.json`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).text).toBe(text);
    expect(h.sandbox.stats.events.map((e) => e.text)).toEqual([text]);
  });

  it("an OAuth-signed 1.1 request with --header 'authorization: OAuth …' and a form body", async () => {
    const url = `${h.proxyUrl}/1.1/direct_messages/new.json`;
    const form = { user_id: "38895958", text: "Meet me behind the cafeteria after school" };
    const res = await curl("--request", "POST", "--url", url, "--header", `authorization: ${oauthHeader(url, form)}`, "--data", encodePairs(form));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ recipient_screen_name: "theSeanCook", text: form.text });
    expect(h.sandbox.stats.events).toHaveLength(1);
  });

  it("seed 004's events/new curl, sent to the proxy's base URL instead (native passthrough)", async () => {
    const url = `${h.proxyUrl}/1.1/direct_messages/events/new.json`;
    const body = '{"event": {"type": "message_create", "message_create": {"target": {"recipient_id": "38895958"}, "message_data": {"text": "Hello World!"}}}}';
    const res = await curl(
      "--request",
      "POST",
      "--url",
      url,
      "--header",
      `authorization: ${oauthHeader(url, {})}`,
      "--header",
      "content-type: application/json",
      "--data",
      body,
    );
    expect(res.status).toBe(200);
    const answer = JSON.parse(res.body);
    expect(h.sandbox.stats.events).toEqual([{ id: answer.event.id, sender_id: "776627022", recipient_id: "38895958", text: "Hello World!" }]);
  });

  it('curl -u … -d "text=…&user=…" on the XML routes: unversioned, Twitter 1.0 and StatusNet', async () => {
    const paths = ["/direct_messages/new.xml", "/1/direct_messages/new.xml", "/api/direct_messages/new.xml"];
    for (const path of paths) {
      const res = await curl("-u", "demo:demo-password", "-d", "text=hello from curl&user=marcosgdf", `${h.proxyUrl}${path}`);
      expect([path, res.status, res.type]).toEqual([path, 200, "application/xml; charset=utf-8"]);
      const dm = parseXml(res.body).direct_message;
      expect(dm).toMatchObject({ text: "hello from curl", sender_id: "776627022", recipient_id: "1", recipient_screen_name: "marcosgdf" });
      expect(h.sandbox.stats.events.at(-1)).toEqual({ id: String(dm.id), sender_id: "776627022", recipient_id: "1", text: "hello from curl" });
    }
    expect(h.logs.map((l) => l.dialect)).toEqual(["twitter-1.0", "twitter-1.0", "statusnet"]);
  });

  it("a wrong password is 401 with the legacy error document, and nothing is sent", async () => {
    const res = await curl("-u", "demo:wrong", "-d", "screen_name=dougw&text=x", `${h.proxyUrl}/1.1/direct_messages/new.json`);
    expect([res.status, JSON.parse(res.body)]).toEqual([401, { errors: [{ code: 32, message: "Could not authenticate you." }] }]);
    expect(h.sandbox.stats.events).toHaveLength(0);
  });
});
