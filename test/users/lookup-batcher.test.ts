import { describe, expect, it } from "vitest";
import { BridgeError } from "../../src/core/errors";
import type { XUser } from "../../src/core/x-types";
import type { OAuthCredentials } from "../../src/oauth/signature";
import { createLookupBatcher, type LookupBy } from "../../src/users/lookup-batcher";

const creds = (token: string): OAuthCredentials => ({ consumerKey: "ck", consumerSecret: "cs", token, tokenSecret: "ts" });
const user = (name: string, id: string) => ({ id: Number(id), id_str: id, name, screen_name: name }) as XUser;

/** A users/lookup stand-in that records its calls and answers from a fixed directory or a scripted failure. */
function fakeLookup(known: Record<string, string>, failures: unknown[] = []) {
  const calls: { token: string; by: LookupBy; values: string[] }[] = [];
  const lookup = async (c: OAuthCredentials, by: LookupBy, values: readonly string[]) => {
    calls.push({ token: c.token, by, values: [...values] });
    const failure = failures.shift();
    if (failure) throw failure;
    const found = values.filter((v) => known[v] !== undefined).map((v) => user(v, known[v]!));
    if (found.length === 0) throw new BridgeError("recipient_not_found", { xCode: 17 });
    return found;
  };
  return { calls, lookup };
}

/** A scheduler the test fires by hand, so batching is observed without sleeping. */
function manualSchedule() {
  const queued: (() => void)[] = [];
  const schedule = (run: () => void) => {
    queued.push(run);
    return () => {
      const i = queued.indexOf(run);
      if (i >= 0) queued.splice(i, 1);
    };
  };
  return { schedule, fire: () => queued.splice(0).forEach((r) => r()) };
}

describe("lookup batching", () => {
  it("gathers concurrent names of one caller into one call, deduplicated, and answers each its own user", async () => {
    const f = fakeLookup({ ann: "1", bob: "2" });
    const s = manualSchedule();
    const lookupOne = createLookupBatcher({ lookup: f.lookup, windowMs: 5, schedule: s.schedule });
    const pending = Promise.all([lookupOne(creds("t"), "screen_name", "ann"), lookupOne(creds("t"), "screen_name", "bob"), lookupOne(creds("t"), "screen_name", "ann")]);
    s.fire();
    expect((await pending).map((u) => u?.id_str)).toEqual(["1", "2", "1"]);
    expect(f.calls).toEqual([{ token: "t", by: "screen_name", values: ["ann", "bob"] }]);
  });

  it("keeps callers apart, so each lookup is signed as its own caller", async () => {
    const f = fakeLookup({ ann: "1" });
    const s = manualSchedule();
    const lookupOne = createLookupBatcher({ lookup: f.lookup, windowMs: 5, schedule: s.schedule });
    const pending = Promise.all([lookupOne(creds("a"), "screen_name", "ann"), lookupOne(creds("b"), "screen_name", "ann")]);
    s.fire();
    await pending;
    expect(f.calls.map((c) => c.token)).toEqual(["a", "b"]);
  });

  it("sends a full batch of 100 at once and starts another", async () => {
    const known = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`u${i}`, String(i + 1)]));
    const f = fakeLookup(known);
    const s = manualSchedule();
    const lookupOne = createLookupBatcher({ lookup: f.lookup, windowMs: 5, schedule: s.schedule });
    const pending = Promise.all(Object.keys(known).map((n) => lookupOne(creds("t"), "screen_name", n)));
    s.fire();
    const users = await pending;
    expect(users.every((u, i) => u?.id_str === String(i + 1))).toBe(true);
    expect(f.calls.map((c) => c.values.length)).toEqual([100, 100, 50]);
  });

  it("answers names missing from a partial answer, or from a 404, as not found for them alone", async () => {
    const f = fakeLookup({ ann: "1" });
    const s = manualSchedule();
    const lookupOne = createLookupBatcher({ lookup: f.lookup, windowMs: 5, schedule: s.schedule });
    const partial = Promise.all([lookupOne(creds("t"), "screen_name", "ann"), lookupOne(creds("t"), "screen_name", "ghost")]);
    s.fire();
    expect((await partial).map((u) => u?.id_str)).toEqual(["1", undefined]);
    const none = lookupOne(creds("t"), "screen_name", "ghost2");
    s.fire();
    expect(await none).toBeUndefined();
  });

  it("fails only the waiters of a failed call, retrying once after a connection failure but not after a timeout", async () => {
    const f = fakeLookup({ ann: "1" }, [new BridgeError("upstream_unreachable"), new BridgeError("upstream_timeout")]);
    const s = manualSchedule();
    const lookupOne = createLookupBatcher({ lookup: f.lookup, windowMs: 5, schedule: s.schedule });
    const first = lookupOne(creds("t"), "screen_name", "ann");
    s.fire();
    await expect(first).rejects.toMatchObject({ kind: "upstream_timeout" });
    const second = lookupOne(creds("t"), "screen_name", "ann");
    s.fire();
    expect((await second)?.id_str).toBe("1");
    expect(f.calls).toHaveLength(3);
  });
});
