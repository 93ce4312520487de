import { describe, expect, it } from "vitest";
import type { XUser } from "../../src/core/x-types";
import type { OAuthCredentials } from "../../src/oauth/signature";
import type { LookupQuery } from "../../src/users/lookup-batcher";
import { createKvUserStore, type KvNamespaceLike } from "../../src/users/kv-user-store";
import { createUserDirectory, DEFAULT_USER_DIRECTORY } from "../../src/users/user-directory";

const creds: OAuthCredentials = { consumerKey: "ck", consumerSecret: "cs", token: "t", tokenSecret: "ts" };

/** KV as Workers presents it: strings with an expiration, refused under 60 seconds. */
function memoryKv() {
  const data = new Map<string, { value: string; ttl: number }>();
  const kv: KvNamespaceLike = {
    get: async (k) => data.get(k)?.value ?? null,
    put: async (k, value, { expirationTtl }) => {
      if (expirationTtl < 60) throw new Error("KV: expirationTtl must be at least 60");
      data.set(k, { value, ttl: expirationTtl });
    },
  };
  return { kv, data };
}

function countingLookup() {
  const calls: string[][] = [];
  const lookup = async (_c: OAuthCredentials, { screen_name: values }: LookupQuery) => {
    calls.push([...values]);
    return values
      .filter((v) => v !== "ghost")
      .map((v) => ({ id: 1e10 + 7, id_str: "10000000007", name: v, screen_name: "Kate", status: { id: 1 } }) as unknown as XUser);
  };
  return { calls, lookup };
}

const settle = () => new Promise((r) => setTimeout(r, 5));

describe("the shared user tier", () => {
  it("lets a second isolate resolve a name and its profile without calling users/lookup", async () => {
    const { kv, data } = memoryKv();
    const first = countingLookup();
    const a = createUserDirectory(first.lookup, DEFAULT_USER_DIRECTORY, createKvUserStore(kv));
    expect((await a.resolve({ by: "screen_name", value: "KATE" }, creds)).id_str).toBe("10000000007");
    await settle();
    expect(data.get("user-cache:n:kate")).toEqual({ value: "10000000007", ttl: 3600 });
    expect(JSON.parse(data.get("user-cache:u:10000000007")!.value)).not.toHaveProperty("status");

    const second = countingLookup();
    const b = createUserDirectory(second.lookup, DEFAULT_USER_DIRECTORY, createKvUserStore(kv));
    expect((await b.resolve({ by: "screen_name", value: "kate" }, creds)).screen_name).toBe("Kate");
    expect(second.calls).toEqual([]);
  });

  it("shares misses too, with KV's minimum expiration", async () => {
    const { kv, data } = memoryKv();
    const a = createUserDirectory(countingLookup().lookup, DEFAULT_USER_DIRECTORY, createKvUserStore(kv));
    await expect(a.resolve({ by: "screen_name", value: "ghost" }, creds)).rejects.toMatchObject({ kind: "recipient_not_found" });
    await settle();
    expect(data.get("user-cache:n:ghost")).toEqual({ value: "", ttl: 60 });
    const second = countingLookup();
    const b = createUserDirectory(second.lookup, DEFAULT_USER_DIRECTORY, createKvUserStore(kv));
    await expect(b.resolve({ by: "screen_name", value: "ghost" }, creds)).rejects.toMatchObject({ kind: "recipient_not_found" });
    expect(second.calls).toEqual([]);
  });

  it("falls back to users/lookup when the shared tier fails", async () => {
    const broken: KvNamespaceLike = { get: () => Promise.reject(new Error("KV down")), put: () => Promise.reject(new Error("KV down")) };
    const l = countingLookup();
    const d = createUserDirectory(l.lookup, DEFAULT_USER_DIRECTORY, createKvUserStore(broken));
    expect((await d.resolve({ by: "screen_name", value: "kate" }, creds)).id_str).toBe("10000000007");
    expect(l.calls).toEqual([["kate"]]);
  });
});
