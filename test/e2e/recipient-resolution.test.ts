import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createStaticCredentialStore } from "../../src/auth/credential-store";
import { DEMO_CREDENTIALS } from "../../src/sandbox/sandbox-users";
import { DEMO, signLegacyCall } from "../helpers/legacy-client";
import { DEFAULT_USER_DIRECTORY } from "../../src/users/user-directory";
import { PROXY, startHarness, type Harness } from "../helpers/harness";

const NEW_JSON = `${PROXY}/1.1/direct_messages/new.json`;
const SENDER_ID = "776627022";

let h: Harness;
beforeEach(async () => {
  // The requests of one Promise.all reach the listener over loopback a few ms apart on a loaded machine: a window
  // wide enough that what a client sent together is not split by the machine's load (the default is 2 ms).
  h = await startHarness({ app: { userCache: { ...DEFAULT_USER_DIRECTORY, maxEntries: 1_000, batchWindowMs: 25 } } });
});
afterEach(() => h.close());

const send = (form: Record<string, string>) => h.call(signLegacyCall({ url: NEW_JSON, form }));
const lookupsOf = (value: string) => h.sandbox.stats.lookups.filter((l) => l.includes(value)).length;

describe("recipient resolution against the sandbox's call counts", () => {
  it("5 sequential messages to one name cost 1 lookup of it", async () => {
    for (let i = 0; i < 5; i++) expect((await send({ screen_name: "load_1", text: `m${i}` })).status).toBe(200);
    expect(lookupsOf("load_1")).toBe(1);
    expect(h.sandbox.stats.events).toHaveLength(5);
  });

  it("50 concurrent messages to one new name cost 1 lookup", async () => {
    const res = await Promise.all(Array.from({ length: 50 }, (_, i) => send({ screen_name: "load_2", text: `c${i}` })));
    expect(res.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(lookupsOf("load_2")).toBe(1);
  });

  it("200 concurrent messages to 200 new names cost at most 4 lookup calls in all", async () => {
    const res = await Promise.all(Array.from({ length: 200 }, (_, i) => send({ screen_name: `load_${1000 + i}`, text: `n${i}` })));
    expect(res.map((r) => r.status)).toEqual(Array(200).fill(200));
    const bodies = await Promise.all(res.map((r) => r.json()));
    expect(bodies.map((b) => b.recipient_screen_name)).toEqual(Array.from({ length: 200 }, (_, i) => `load_${1000 + i}`));
    expect(h.sandbox.stats.calls["users/lookup"]).toBeLessThanOrEqual(4);
    expect(h.sandbox.stats.events).toHaveLength(200);
  });

  it("a partial users/lookup answer fails only the unknown name", async () => {
    const res = await Promise.all([
      send({ screen_name: "load_3", text: "a" }),
      send({ screen_name: "no_such_user_x", text: "b" }),
      send({ screen_name: "load_4", text: "c" }),
    ]);
    expect(res.map((r) => r.status)).toEqual([200, 404, 200]);
    // The sender's own profile rides in the same call (X tokens begin with their user's id).
    expect(h.sandbox.stats.lookups).toEqual([["load_3", "no_such_user_x", "load_4", SENDER_ID]]);
    expect(h.sandbox.stats.events.map((e) => e.text)).toEqual(["a", "c"]);
  });

  it("a name X could not have (a comma, a slash, 51 characters) is not found without a lookup, and spoils no batch", async () => {
    const res = await Promise.all([
      send({ screen_name: "load_6,load_7", text: "comma" }),
      send({ screen_name: "../load_6", text: "slash" }),
      send({ screen_name: "x".repeat(51), text: "long" }),
      send({ screen_name: "load_6", text: "fine" }),
    ]);
    expect(res.map((r) => r.status)).toEqual([404, 404, 404, 200]);
    expect(h.sandbox.stats.lookups.filter((l) => l.some((v) => v.includes("load_")))).toEqual([["load_6", SENDER_ID]]);
    expect(h.sandbox.stats.events.map((e) => e.text)).toEqual(["fine"]);
  });

  it("remembers a missing name briefly, so a retrying client does not hammer users/lookup", async () => {
    expect((await send({ screen_name: "no_such_user_y", text: "a" })).status).toBe(404);
    expect((await send({ screen_name: "no_such_user_y", text: "a" })).status).toBe(404);
    expect(lookupsOf("no_such_user_y")).toBe(1);
  });

  it("does not cache a failed lookup: the next message looks up again and succeeds", async () => {
    h.sandbox.setFault("users/lookup", { kind: "status", status: 503, body: JSON.stringify({ errors: [{ code: 130, message: "Over capacity" }] }) });
    const failed = await send({ screen_name: "load_5", text: "a" });
    expect([failed.status, (await failed.json()).errors[0].code]).toEqual([503, 130]);
    h.sandbox.setFault("users/lookup", undefined);
    expect((await send({ screen_name: "load_5", text: "b" })).status).toBe(200);
    // The failed call, then load_5 again with the sender's profile in one call.
    expect(h.sandbox.stats.calls["users/lookup"]).toBe(2);
    expect(lookupsOf("load_5")).toBe(1);
    expect(h.sandbox.stats.events.map((e) => e.text)).toEqual(["b"]);
  });

  it("case variants of one name share one entry, even when they arrive together", async () => {
    const res = await Promise.all(["LOAD_6", "load_6", "Load_6"].map((n) => send({ screen_name: n, text: n })));
    expect(res.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(h.sandbox.stats.lookups.filter((l) => l.some((v) => v.toLowerCase() === "load_6"))).toEqual([["load_6", SENDER_ID]]);
  });

  it("caches the sender's own user object after the first message", async () => {
    for (const name of ["load_7", "load_8", "load_9"]) expect((await send({ screen_name: name, text: "x" })).status).toBe(200);
    expect(lookupsOf(SENDER_ID)).toBe(1);
  });

  it("looks the sender up after the send when its token does not begin with an id, or with another user's", async () => {
    // Both tokens are the demo user's on the sandbox: "999" names nobody, and the answer's sender id is believed.
    const tokens = { "plain-token": "plain-secret", "999-other-token": "other-secret" };
    const all = { ...DEMO_CREDENTIALS, tokens: { ...DEMO_CREDENTIALS.tokens, ...tokens } };
    const other = await startHarness({ sandbox: { tokens: all.tokens }, app: { credentials: createStaticCredentialStore(all) } });
    try {
      const sendAs = async (token: keyof typeof tokens, name: string) => {
        const res = await other.call(
          signLegacyCall({ url: NEW_JSON, form: { screen_name: name, text: "x" }, creds: { ...DEMO, token, tokenSecret: tokens[token] } }),
        );
        return [res.status, (await res.json()).sender.screen_name];
      };
      expect(await sendAs("plain-token", "load_1")).toEqual([200, "s0c1alm3dia"]);
      expect(await sendAs("999-other-token", "load_2")).toEqual([200, "s0c1alm3dia"]);
      expect(other.sandbox.stats.lookups).toEqual([["load_1"], [SENDER_ID], ["load_2", "999"]]);
    } finally {
      await other.close();
    }
  });
});
