import { afterEach, describe, expect, it } from "vitest";
import { PROXY, startHarness, type Harness } from "../helpers/harness";
import { signLegacyCall } from "../helpers/legacy-client";

// Codes no legacy rule maps: the account is locked (326), an upstream validation failure (214).
const LOCKED = { errors: [{ code: 326, message: "To protect our users from spam and other malicious activity, this account is temporarily locked." }] };

let h: Harness;
afterEach(() => h?.close());

async function callWith(route: string, app = {}) {
  h = await startHarness({ app });
  h.sandbox.setFault("direct_messages/events/new", { kind: "status", status: 403, body: JSON.stringify(LOCKED) });
  const res = await h.call(signLegacyCall({ url: `${PROXY}${route}`, form: { user: "dougw", text: "hello" } }));
  return { status: res.status, body: await res.json() };
}

describe("an X error code no legacy rule names keeps X's status and X's sentence in every dialect", () => {
  const message = LOCKED.errors[0]!.message;
  it("Twitter 1.1", async () => {
    expect(await callWith("/1.1/direct_messages/new.json")).toEqual({ status: 403, body: { errors: [{ code: 326, message }] } });
  });
  it("Twitter 1.0", async () => {
    expect(await callWith("/1/direct_messages/new.json")).toEqual({ status: 403, body: { error: message, request: "/1/direct_messages/new.json" } });
  });
  it("StatusNet", async () => {
    expect(await callWith("/api/direct_messages/new.json")).toEqual({ status: 403, body: { error: message, request: "/api/direct_messages/new.json" } });
  });
  it("Sina Weibo", async () => {
    expect(await callWith("/direct_messages/new.json", { preferredDialects: ["sina-weibo"] })).toEqual({
      status: 403,
      body: { request: "/direct_messages/new.json", error_code: "403", error: `40300:Error: ${message}` },
    });
  });
});
