import { describe, expect, it } from "vitest";
import { BridgeError } from "../../src/core/errors";
import type { XUser } from "../../src/core/x-types";
import type { OAuthCredentials } from "../../src/oauth/signature";
import type { LookupBy } from "../../src/users/lookup-batcher";
import { createUserDirectory, DEFAULT_USER_DIRECTORY } from "../../src/users/user-directory";

const creds = (token: string): OAuthCredentials => ({ consumerKey: "ck", consumerSecret: "cs", token, tokenSecret: "ts" });
const ann = { id: 1, id_str: "1", name: "Ann", screen_name: "Ann", following: true, follow_request_sent: true, notifications: true, muting: true };

describe("user directory shared by many callers", () => {
  it("fails only the caller whose token the upstream refused, when two callers ask for one new name at once", async () => {
    const calls: string[] = [];
    const lookup = async (c: OAuthCredentials, _by: LookupBy, _values: readonly string[]): Promise<XUser[]> => {
      calls.push(c.token);
      if (c.token === "revoked") throw new BridgeError("auth_invalid", { xCode: 89, upstreamStatus: 401 });
      return [{ ...ann }];
    };
    const users = createUserDirectory(lookup, { ...DEFAULT_USER_DIRECTORY, batchWindowMs: 1 });
    const [revoked, valid] = await Promise.allSettled([
      users.resolve({ by: "screen_name", value: "ann" }, creds("revoked")),
      users.resolve({ by: "screen_name", value: "ann" }, creds("valid")),
    ]);
    expect(revoked).toMatchObject({ status: "rejected", reason: { kind: "auth_invalid" } });
    expect(valid).toMatchObject({ status: "fulfilled", value: { id_str: "1" } });
    expect(calls.sort()).toEqual(["revoked", "valid"]);
  });

  it("shares a cached user between callers without the first caller's relationship to them", async () => {
    let lookups = 0;
    const lookup = async (): Promise<XUser[]> => (lookups++, [{ ...ann }]);
    const users = createUserDirectory(lookup, { ...DEFAULT_USER_DIRECTORY, batchWindowMs: 1 });
    const first = await users.resolve({ by: "screen_name", value: "ann" }, creds("a"));
    const second = await users.resolve({ by: "screen_name", value: "ann" }, creds("b"));
    expect(lookups).toBe(1);
    expect(second).toBe(first);
    expect(second).toMatchObject({ following: false, follow_request_sent: false, notifications: false, muting: false, name: "Ann" });
    expect(second).not.toHaveProperty("blocked_by");
  });
});
