import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEMO } from "../helpers/legacy-client";
import { startHarness, type Harness } from "../helpers/harness";
import { NET_TWITTER, NET_TWITTER_LITE, PYTHON_TWITTER, runJson, scriptPath, shouldSkip } from "./external-client";

/** Debian's packaged Twitter libraries, unmodified, pointed at the proxy through their base-URL options. */
const TEXT = "Hello Ladies + Gentlemen!*'() 100% & more = ümlaut 日本語 🐦";
const OAUTH = [DEMO.consumerKey, DEMO.consumerSecret, DEMO.token, DEMO.tokenSecret];

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ listen: true });
});
afterEach(() => h.close());

const python = (by: string, recipient: string, text: string) =>
  runJson("/usr/bin/python3", [scriptPath("python-twitter-dm.py"), `${h.proxyUrl}/1.1`, ...OAUTH, by, recipient, text]);

const perl = (library: string, apiurl: string, auth: string, by: string, recipient: string, text: string, flavour = "") =>
  runJson("/usr/bin/perl", [scriptPath("perl-net-twitter-dm.pl"), library, apiurl, auth, by, recipient, text, flavour]);
const BASIC = "basic:demo:demo-password";

describe.skipIf(shouldSkip(PYTHON_TWITTER))("python-twitter 3.3 (Debian python3-twitter)", () => {
  it("sends a DM ('+' for spaces in its form body) and parses a DirectMessage with exact ids", async () => {
    const dm = await python("screen_name", "theSeanCook", TEXT);
    const sent = h.sandbox.stats.events;
    expect(sent).toEqual([{ id: expect.any(String), sender_id: "776627022", recipient_id: "38895958", text: TEXT }]);
    expect(BigInt(sent[0]!.id) > 2n ** 53n).toBe(true);
    expect(dm).toMatchObject({
      type: "DirectMessage",
      id: sent[0]!.id,
      text: TEXT,
      sender_id: "776627022",
      sender_name: "Mick Jagger",
      recipient_id: "38895958",
      recipient_screen_name: "theSeanCook",
    });
    expect(Math.abs((dm.created_at_in_seconds as number) - Date.now() / 1000)).toBeLessThan(5);
    expect(h.received[0]!.body).toMatch(/text=Hello\+Ladies\+%2B\+Gentlemen/);
    expect(h.received[0]!.authorization).toMatch(/^OAuth .*", oauth_/);
  });

  it("raises its TwitterError with the legacy error list when the recipient refuses", async () => {
    expect(await python("screen_name", "blocked_you", "hi")).toEqual({ error: [{ code: 349, message: "You cannot send messages to this user." }] });
    expect(h.sandbox.stats.events).toHaveLength(0);
  });
});

describe.skipIf(shouldSkip(NET_TWITTER))("Net::Twitter 4.01043 (Debian libnet-twitter-perl), API::RESTv1_1 with OAuth", () => {
  it("sends a DM by user_id above 2^53 and parses it, ids exact", async () => {
    const dm = await perl("Net::Twitter", `${h.proxyUrl}/1.1`, OAUTH.join(":"), "user_id", "1855000000000000999", TEXT);
    const sent = h.sandbox.stats.events;
    expect(sent).toEqual([{ id: expect.any(String), sender_id: "776627022", recipient_id: "1855000000000000999", text: TEXT }]);
    expect(dm).toMatchObject({
      id: sent[0]!.id,
      text: TEXT,
      sender_name: "Mick Jagger",
      recipient_id: "1855000000000000999",
      recipient_screen_name: "future_user",
    });
  });

  it("dies with a Net::Twitter::Error carrying the legacy status, code and message", async () => {
    const out = await perl("Net::Twitter", `${h.proxyUrl}/1.1`, OAUTH.join(":"), "screen_name", "lonely_heart", "hi");
    expect(out).toEqual({ error: { status: 403, code: 150, message: "You cannot send messages to users who are not following you." } });
    expect(h.sandbox.stats.events).toHaveLength(0);
  });
});

describe.skipIf(shouldSkip(NET_TWITTER))("Net::Twitter 4.01043 on the legacy paths, HTTP Basic, `user` and `.json`", () => {
  it("API::REST (Twitter 1.0) at /1 sends and parses the 1.0 answer", async () => {
    const dm = await perl("Net::Twitter", `${h.proxyUrl}/1`, BASIC, "user", "dougw", TEXT);
    expect(h.sandbox.stats.events).toEqual([{ id: dm.id, sender_id: "776627022", recipient_id: "1401881", text: TEXT }]);
    expect(dm).toMatchObject({ text: TEXT, sender_name: "Mick Jagger", recipient_screen_name: "dougw" });
    expect(h.logs.map((l) => [l.path, l.dialect])).toEqual([["/1/direct_messages/new.json", "twitter-1.0"]]);
    expect(h.received[0]!.authorization).toBe(`Basic ${btoa("demo:demo-password")}`);
  });

  it("`identica => 1` (StatusNet) at /api sends, parses, and reads StatusNet's error document on a wrong password", async () => {
    const dm = await perl("Net::Twitter", `${h.proxyUrl}/api`, BASIC, "user", "marcosgdf", TEXT, "identica");
    expect(h.sandbox.stats.events).toEqual([{ id: dm.id, sender_id: "776627022", recipient_id: "1", text: TEXT }]);
    expect(dm).toMatchObject({ text: TEXT, recipient_id: "1", recipient_screen_name: "marcosgdf" });
    const refused = await perl("Net::Twitter", `${h.proxyUrl}/api`, "basic:demo:wrong", "user", "marcosgdf", "x", "identica");
    expect(refused).toEqual({ error: { status: 401, code: null, message: "Could not authenticate you." } });
    expect(h.logs.map((l) => l.dialect)).toEqual(["statusnet", "statusnet"]);
    expect(h.sandbox.stats.events).toHaveLength(1);
  });
});

describe.skipIf(shouldSkip(NET_TWITTER_LITE))("Net::Twitter::Lite 0.12008 (API v1) on the legacy paths, HTTP Basic", () => {
  it("sends on the unversioned path (apiurl without /1) and parses the answer", async () => {
    const dm = await perl("Net::Twitter::Lite", h.proxyUrl, BASIC, "user", "theSeanCook", TEXT);
    expect(h.sandbox.stats.events).toEqual([{ id: dm.id, sender_id: "776627022", recipient_id: "38895958", text: TEXT }]);
    expect(h.logs.map((l) => [l.path, l.dialect])).toEqual([["/direct_messages/new.json", "twitter-1.0"]]);
  });

  it("sends to StatusNet with `identica => 1`", async () => {
    const dm = await perl("Net::Twitter::Lite", `${h.proxyUrl}/api`, BASIC, "user", "igudo", TEXT, "identica");
    expect(h.sandbox.stats.events).toEqual([{ id: dm.id, sender_id: "776627022", recipient_id: "7004322", text: TEXT }]);
    expect(h.logs.map((l) => l.dialect)).toEqual(["statusnet"]);
  });
});

describe.skipIf(shouldSkip(NET_TWITTER_LITE))("Net::Twitter::Lite 0.12008 (Debian libnet-twitter-lite-perl), WithAPIv1_1", () => {
  it("sends a DM by screen name and parses it", async () => {
    const dm = await perl("Net::Twitter::Lite", `${h.proxyUrl}/1.1`, OAUTH.join(":"), "screen_name", "dougw", TEXT);
    const sent = h.sandbox.stats.events;
    expect(sent).toEqual([{ id: expect.any(String), sender_id: "776627022", recipient_id: "1401881", text: TEXT }]);
    expect(dm).toMatchObject({ id: sent[0]!.id, text: TEXT, recipient_screen_name: "dougw", sender_id: "776627022" });
  });
});
