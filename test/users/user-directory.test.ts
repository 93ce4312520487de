import { describe, expect, it } from "vitest";
import { BridgeError } from "../../src/core/errors";
import type { XUser } from "../../src/core/x-types";
import type { OAuthCredentials } from "../../src/oauth/signature";
import type { LookupQuery } from "../../src/users/lookup-batcher";
import { createUserDirectory, DEFAULT_USER_DIRECTORY } from "../../src/users/user-directory";

const creds = (token: string): OAuthCredentials => ({ consumerKey: "ck", consumerSecret: "cs", token, tokenSecret: "ts" });
const ann = { id: 1, id_str: "1", name: "Ann", screen_name: "Ann", following: true, follow_request_sent: true, notifications: true, muting: true };

describe("user directory shared by many callers", () => {
  it("fails only the caller whose token the upstream refused, when two callers ask for one new name at once", async () => {
    const calls: string[] = [];
    const lookup = async (c: OAuthCredentials): Promise<XUser[]> => {
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

describe("the directory's observer", () => {
  it("is told of memory hits, misses and each users/lookup call with its size", async () => {
    const events: string[] = [];
    const observer = {
      cacheHit: (tier: string) => events.push(`hit:${tier}`),
      cacheMiss: () => events.push("miss"),
      lookupSent: (n: number) => events.push(`sent:${n}`),
    };
    const lookup = async (_c: OAuthCredentials, { screen_name: values }: LookupQuery): Promise<XUser[]> =>
      values.filter((v) => v === "ann").map(() => ({ ...ann }));
    const users = createUserDirectory(lookup, { ...DEFAULT_USER_DIRECTORY, batchWindowMs: 1 }, undefined, observer);
    await Promise.allSettled([
      users.resolve({ by: "screen_name", value: "ann" }, creds("a")),
      users.resolve({ by: "screen_name", value: "ghost" }, creds("a")),
    ]);
    expect(events).toEqual(["miss", "miss", "sent:2"]);
    events.length = 0;
    await users.resolve({ by: "screen_name", value: "Ann" }, creds("b"));
    await users.resolve({ by: "id", value: "1" }, creds("b"));
    await expect(users.resolve({ by: "screen_name", value: "ghost" }, creds("b"))).rejects.toMatchObject({ kind: "recipient_not_found" });
    expect(events).toEqual(["hit:memory", "hit:memory", "hit:memory"]);
  });

  it("refuses a name that needs a lookup at once while the caller's quota is spent, but still answers cached names", async () => {
    let calls = 0;
    const lookup = async (): Promise<XUser[]> => (calls++, [{ ...ann }]);
    const limited = new BridgeError("rate_limited", { xCode: 88 });
    let spent = false;
    const users = createUserDirectory(lookup, { ...DEFAULT_USER_DIRECTORY, batchWindowMs: 1 }, undefined, undefined, (c) =>
      spent && c.token === "a" ? limited : undefined,
    );
    await users.resolve({ by: "screen_name", value: "ann" }, creds("a"));
    spent = true;
    expect((await users.resolve({ by: "screen_name", value: "ann" }, creds("a"))).id_str).toBe("1");
    await expect(users.resolve({ by: "screen_name", value: "bob" }, creds("a"))).rejects.toBe(limited);
    expect(calls).toBe(1);
  });
});
