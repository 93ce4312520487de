import { describe, expect, it } from "vitest";
import { BridgeError } from "../../src/core/errors";
import type { XUser } from "../../src/core/x-types";
import type { OAuthCredentials } from "../../src/oauth/signature";
import { createLookupBatcher, type LookupQuery } from "../../src/users/lookup-batcher";

const creds = (token: string): OAuthCredentials => ({ consumerKey: "ck", consumerSecret: "cs", token, tokenSecret: "ts" });
const user = (name: string, id: string) => ({ id: Number(id), id_str: id, name, screen_name: name }) as XUser;

/** A users/lookup stand-in that records its calls and answers from a fixed directory or a scripted failure. */
function fakeLookup(known: Record<string, string>, failures: unknown[] = []) {
  const calls: { token: string; values: string[] }[] = [];
  const lookup = async (c: OAuthCredentials, { screen_name: values }: LookupQuery) => {
    calls.push({ token: c.token, values: [...values] });
    const failure = failures.shift();
    if (failure) throw failure;
    const found = values.filter((v) => known[v] !== undefined).map((v) => user(v, known[v]!));
    if (found.length === 0) throw new BridgeError("recipient_not_found", { xCode: 17 });
    return found;
  };
  return { calls, lookup };
}

/** A scheduler the test fires by hand, so batching is observed without sleeping; each firing is a minute later. */
function manualSchedule() {
  let minutes = 0;
  const queued: (() => void)[] = [];
  const schedule = (run: () => void) => {
    queued.push(run);
    return () => {
      const i = queued.indexOf(run);
      if (i >= 0) queued.splice(i, 1);
    };
  };
  return {
    schedule,
    now: () => minutes * 60_000,
    fire: () => {
      minutes++;
      for (const r of queued.splice(0)) r();
    },
  };
}

describe("lookup batching", () => {
  it("gathers concurrent names of one caller into one call, deduplicated, and answers each its own user", async () => {
    const f = fakeLookup({ ann: "1", bob: "2" });
    const s = manualSchedule();
    const lookupOne = createLookupBatcher({ lookup: f.lookup, windowMs: 5, schedule: s.schedule, now: s.now });
    const pending = Promise.all([
      lookupOne(creds("t"), "screen_name", "ann"),
      lookupOne(creds("t"), "screen_name", "bob"),
      lookupOne(creds("t"), "screen_name", "ann"),
    ]);
    s.fire();
    expect((await pending).map((u) => u?.id_str)).toEqual(["1", "2", "1"]);
    expect(f.calls).toEqual([{ token: "t", values: ["ann", "bob"] }]);
  });

  it("sends a full batch of 100 at once and starts another", async () => {
    const known = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`u${i}`, String(i + 1)]));
    const f = fakeLookup(known);
    const s = manualSchedule();
    const lookupOne = createLookupBatcher({ lookup: f.lookup, windowMs: 5, schedule: s.schedule, now: s.now });
    const pending = Promise.all(Object.keys(known).map((n) => lookupOne(creds("t"), "screen_name", n)));
    s.fire();
    const users = await pending;
    expect(users.every((u, i) => u?.id_str === String(i + 1))).toBe(true);
    expect(f.calls.map((c) => c.values.length)).toEqual([100, 100, 50]);
  });

  it("answers names missing from a partial answer, or from a 404, as not found for them alone", async () => {
    const f = fakeLookup({ ann: "1" });
    const s = manualSchedule();
    const lookupOne = createLookupBatcher({ lookup: f.lookup, windowMs: 5, schedule: s.schedule, now: s.now });
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
    const lookupOne = createLookupBatcher({ lookup: f.lookup, windowMs: 5, schedule: s.schedule, now: s.now });
    const first = lookupOne(creds("t"), "screen_name", "ann");
    s.fire();
    await expect(first).rejects.toMatchObject({ kind: "upstream_timeout" });
    const second = lookupOne(creds("t"), "screen_name", "ann");
    s.fire();
    expect((await second)?.id_str).toBe("1");
    expect(f.calls).toHaveLength(3);
  });
});

/**
 * Virtual time for the scheduler and the fake upstream alike: timers run in order of their due time, and every
 * promise settled by one runs before the next, so arrival patterns and flight times are exact and nothing sleeps.
 */
function virtualTime() {
  let now = 0;
  let seq = 0;
  const timers: { at: number; seq: number; run: () => void }[] = [];
  const schedule = (run: () => void, ms: number) => {
    const t = { at: now + ms, seq: seq++, run };
    timers.push(t);
    return () => {
      const i = timers.indexOf(t);
      if (i >= 0) timers.splice(i, 1);
    };
  };
  const settle = () => new Promise((r) => setImmediate(r));
  return {
    now: () => now,
    schedule,
    sleep: (ms: number) => new Promise<void>((r) => schedule(r, ms)),
    /** Runs every timer due up to `end`, in order, letting the promises each one settles run. */
    async runUntil(end: number) {
      for (;;) {
        await settle();
        const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
        if (!due) break;
        timers.splice(timers.indexOf(due), 1);
        now = due.at;
        due.run();
      }
      now = end;
      await settle();
    },
  };
}

/**
 * users/lookup answering after `delayMs` of virtual time; `load_N` exists, with id 9000000000+N; a token in
 * `refused` gets its error. A call's values are recorded names first, then ids, as users/lookup's two parameters.
 */
function slowLookup(time: ReturnType<typeof virtualTime>, delayMs: number, refused: Record<string, BridgeError> = {}) {
  const calls: { token: string; at: number; values: string[] }[] = [];
  const lookup = async (c: OAuthCredentials, { screen_name, user_id }: LookupQuery) => {
    calls.push({ token: c.token, at: time.now(), values: [...screen_name, ...user_id] });
    await time.sleep(delayMs);
    if (refused[c.token]) throw refused[c.token];
    const numbers = [...screen_name.filter((v) => v.startsWith("load_")).map((v) => Number(v.slice(5))), ...user_id.map((v) => Number(v) - 9e9)];
    return numbers.filter((n) => Number.isInteger(n) && n >= 0).map((n) => user(`load_${n}`, String(9e9 + n)));
  };
  return { calls, lookup };
}

/** Each caller's values, asked one after another `everyMs` apart (callers interleaved), as requests arrive. */
function arrive(
  time: ReturnType<typeof virtualTime>,
  lookupOne: ReturnType<typeof createLookupBatcher>,
  asks: [token: string, value: string][],
  everyMs: number,
) {
  return asks.map(([token, value], i) => {
    const answer = new Promise<XUser | undefined>((resolve, reject) =>
      time.schedule(() => lookupOne(creds(token), "screen_name", value).then(resolve, reject), i * everyMs),
    );
    // Looked at once time has run; marked handled so that a rejection before then is not reported as unhandled.
    answer.catch(() => {});
    return answer;
  });
}

const names = (from: number, count: number) => Array.from({ length: count }, (_, i) => `load_${from + i}`);
const LOOKUP_MS = 80;

/** The batcher with its 2 ms window, in virtual time, against a users/lookup that answers in 80 ms. */
function batcherWithSlowLookup(refused: Record<string, BridgeError> = {}) {
  const time = virtualTime();
  const up = slowLookup(time, LOOKUP_MS, refused);
  const lookupOne = createLookupBatcher({ lookup: up.lookup, windowMs: 2, schedule: time.schedule, now: time.now });
  return { time, up, lookupOne };
}

describe("adaptive batching against a users/lookup that answers in 80 ms", () => {
  it("a lone request costs one call, sent after the window and no later", async () => {
    const { time, up, lookupOne } = batcherWithSlowLookup();
    let answeredAt: number | undefined;
    void lookupOne(creds("a"), "screen_name", "load_1").then(() => (answeredAt = time.now()));
    await time.runUntil(1_000);
    expect(up.calls).toEqual([{ token: "a", at: 2, values: ["load_1"] }]);
    expect(answeredAt).toBe(2 + LOOKUP_MS);
  });

  it("a value that comes within a pause after a burst's call waits with it; after the pause, a lone one waits the window", async () => {
    const { time, up, lookupOne } = batcherWithSlowLookup();
    const burst = arrive(
      time,
      lookupOne,
      names(0, 10).map((n) => ["a", n]),
      0.1,
    );
    await time.runUntil(150);
    const inPause = lookupOne(creds("a"), "screen_name", "load_10");
    await time.runUntil(1_000);
    const later = lookupOne(creds("a"), "screen_name", "load_11");
    await time.runUntil(2_000);
    expect([...(await Promise.all(burst)), await inPause, await later].map((u) => u?.screen_name)).toEqual(names(0, 12));
    // The burst's call answered at 82; load_10 came 150 ms in, and waited for 100 ms without a request.
    expect(up.calls.map((c) => [Math.round(c.at), c.values.length])).toEqual([
      [2, 10],
      [250, 1],
      [1_002, 1],
    ]);
  });

  it("200 names arriving in a steady stream over 40 ms from one caller: two full calls", async () => {
    const { time, up, lookupOne } = batcherWithSlowLookup();
    const answers = arrive(
      time,
      lookupOne,
      names(0, 200).map((n) => ["a", n]),
      0.2,
    );
    await time.runUntil(1_000);
    expect((await Promise.all(answers)).map((u) => u?.screen_name)).toEqual(names(0, 200));
    // Each hundredth name completes a call, which goes at once.
    expect(up.calls.map((c) => [Math.round(c.at), c.values])).toEqual([
      [20, names(0, 100)],
      [40, names(100, 100)],
    ]);
  });

  it("names that arrive while a call is in flight wait for it, then go together once their stream pauses", async () => {
    const { time, up, lookupOne } = batcherWithSlowLookup();
    // One every 5 ms, more than the window apart: without a call in flight, each would go alone.
    const answers = arrive(
      time,
      lookupOne,
      names(0, 17).map((n) => ["a", n]),
      5,
    );
    await time.runUntil(1_000);
    expect((await Promise.all(answers)).every((u, i) => u?.screen_name === `load_${i}`)).toBe(true);
    // The first call answers at 82; the last name came at 80, and 100 ms without another end the stream.
    expect(up.calls.map((c) => [c.at, c.values.length])).toEqual([
      [2, 1],
      [180, 16],
    ]);
  });

  it("no name of a burst waits for company longer than maxWaitMs, however long the burst goes on", async () => {
    const time = virtualTime();
    const up = slowLookup(time, LOOKUP_MS);
    const lookupOne = createLookupBatcher({ lookup: up.lookup, windowMs: 2, maxWaitMs: 300, schedule: time.schedule, now: time.now });
    const answers = arrive(
      time,
      lookupOne,
      names(0, 80).map((n) => ["a", n]),
      5,
    );
    await time.runUntil(2_000);
    expect((await Promise.all(answers)).every((u, i) => u?.screen_name === `load_${i}`)).toBe(true);
    // 16 came during the first call: a burst. The name that came at 5 ms goes at 305 with the 60 after it; the
    // rest once no request came for 100 ms.
    expect(up.calls.map((c) => [c.at, c.values.length])).toEqual([
      [2, 1],
      [305, 61],
      [495, 18],
    ]);
  });

  it("values that come while a call is in flight, too few for a burst, go together as soon as it answers", async () => {
    const { time, up, lookupOne } = batcherWithSlowLookup();
    const answers = arrive(
      time,
      lookupOne,
      names(0, 5).map((n) => ["a", n]),
      20,
    );
    await time.runUntil(1_000);
    expect((await Promise.all(answers)).every((u, i) => u?.screen_name === `load_${i}`)).toBe(true);
    expect(up.calls.map((c) => [c.at, c.values.length])).toEqual([
      [2, 1],
      [82, 4],
    ]);
  });

  it("1,000 names from two callers arriving over 100 ms: no more calls than 14", async () => {
    const { time, up, lookupOne } = batcherWithSlowLookup();
    const answers = arrive(
      time,
      lookupOne,
      names(0, 1000).map((n, i) => [i % 2 ? "b" : "a", n]),
      0.1,
    );
    await time.runUntil(2_000);
    expect((await Promise.all(answers)).every((u, i) => u?.screen_name === `load_${i}`)).toBe(true);
    expect(up.calls.length).toBeLessThanOrEqual(14);
    expect(up.calls.every((c) => c.values.length <= 100)).toBe(true);
  });

  it("two callers naming the same 100 names at once: the second joins the first's calls", async () => {
    const { time, up, lookupOne } = batcherWithSlowLookup();
    const answers = arrive(
      time,
      lookupOne,
      names(0, 100).flatMap((n): [string, string][] => [
        ["a", n],
        ["b", n],
      ]),
      0.1,
    );
    await time.runUntil(1_000);
    expect((await Promise.all(answers)).map((u) => u?.screen_name)).toEqual(names(0, 100).flatMap((n) => [n, n]));
    expect(up.calls.length).toBeLessThanOrEqual(3);
    expect(up.calls.flatMap((c) => c.values).sort()).toEqual(names(0, 100).sort());
  });

  for (const [what, failure] of [
    ["a revoked token (401)", new BridgeError("auth_invalid", { xCode: 89, upstreamStatus: 401 })],
    ["a spent quota (429)", new BridgeError("rate_limited", { xCode: 88, upstreamStatus: 429 })],
  ] as const) {
    it(`never hands one caller's failure, ${what}, to another caller who joined its call`, async () => {
      const { time, up, lookupOne } = batcherWithSlowLookup({ a: failure });
      const answers = arrive(
        time,
        lookupOne,
        names(0, 10).flatMap((n): [string, string][] => [
          ["a", n],
          ["b", n],
          ["c", n],
        ]),
        0.05,
      );
      await time.runUntil(1_000);
      const settled = await Promise.allSettled(answers);
      expect(settled.filter((_, i) => i % 3 === 0).every((s) => s.status === "rejected" && s.reason === failure)).toBe(true);
      expect(settled.filter((_, i) => i % 3 !== 0).map((s) => s.status === "fulfilled" && s.value?.screen_name)).toEqual(names(0, 10).flatMap((n) => [n, n]));
      // a's call, then one call with b's own credentials that c joins in turn.
      expect(up.calls.map((c) => [c.token, c.values.length])).toEqual([
        ["a", 10],
        ["b", 10],
      ]);
    });
  }

  it("shares a failure of the upstream itself (a timeout) with everyone who waited on the call", async () => {
    const timeout = new BridgeError("upstream_timeout");
    const { time, up, lookupOne } = batcherWithSlowLookup({ a: timeout });
    const answers = arrive(
      time,
      lookupOne,
      [
        ["a", "load_1"],
        ["b", "load_1"],
      ],
      0.1,
    );
    await time.runUntil(1_000);
    expect((await Promise.allSettled(answers)).map((s) => s.status === "rejected" && s.reason)).toEqual([timeout, timeout]);
    expect(up.calls).toHaveLength(1);
  });

  it("while a caller's quota is spent, refuses its new values at once and those that waited, without a call", async () => {
    const time = virtualTime();
    const limited = new BridgeError("rate_limited", { xCode: 88 });
    let spent = false;
    const up = slowLookup(time, LOOKUP_MS);
    const lookupOne = createLookupBatcher({
      lookup: up.lookup,
      windowMs: 2,
      schedule: time.schedule,
      now: time.now,
      refusal: (c) => (spent && c.token === "a" ? limited : undefined),
    });
    const first = arrive(
      time,
      lookupOne,
      [
        ["a", "load_1"],
        ["a", "load_2"],
      ],
      10,
    );
    await time.runUntil(5);
    spent = true;
    await time.runUntil(1_000);
    const settled = await Promise.allSettled(first);
    expect(settled.map((s) => (s.status === "fulfilled" ? s.value?.screen_name : s.reason))).toEqual(["load_1", limited]);
    const refusedAt = time.now();
    await expect(lookupOne(creds("a"), "screen_name", "load_3")).rejects.toBe(limited);
    expect(time.now()).toBe(refusedAt);
    const other = lookupOne(creds("b"), "screen_name", "load_3");
    await time.runUntil(2_000);
    expect((await other)?.screen_name).toBe("load_3");
    expect(up.calls.map((c) => c.values)).toEqual([["load_1"], ["load_3"]]);
  });
});

describe("names and ids of one caller in one users/lookup call", () => {
  const id = (n: number) => String(9e9 + n);

  it("a caller's own id asked with its recipients' names goes in their call, and each gets its own user", async () => {
    const { time, up, lookupOne } = batcherWithSlowLookup();
    const own = lookupOne(creds("a"), "user_id", id(7));
    const recipients = arrive(
      time,
      lookupOne,
      names(0, 3).map((n) => ["a", n]),
      0.5,
    );
    await time.runUntil(1_000);
    expect((await own)?.screen_name).toBe("load_7");
    expect((await Promise.all(recipients)).map((u) => u?.id_str)).toEqual([id(0), id(1), id(2)]);
    expect(up.calls).toEqual([{ token: "a", at: 2, values: [...names(0, 3), id(7)] }]);
  });

  it("100 values in all make a full call, names and ids counted together", async () => {
    const { time, up, lookupOne } = batcherWithSlowLookup();
    const answers = [
      ...names(0, 60).map((n) => lookupOne(creds("a"), "screen_name", n)),
      ...Array.from({ length: 60 }, (_, i) => lookupOne(creds("a"), "user_id", id(100 + i))),
    ];
    await time.runUntil(1_000);
    expect((await Promise.all(answers)).map((u) => u?.screen_name)).toEqual([...names(0, 60), ...names(100, 60)]);
    // The 20 over the hundred waited for the full call: a burst, sent once nobody asked for 100 ms.
    expect(up.calls.map((c) => [c.at, c.values.length])).toEqual([
      [0, 100],
      [100, 20],
    ]);
  });

  it("never answers an id with the user whose screen name is those digits, nor the other way round", async () => {
    const time = virtualTime();
    const digitsName = user("12345", "4040404");
    const byThatId = user("noradio", "12345");
    const calls: LookupQuery[] = [];
    const lookup = async (_c: OAuthCredentials, query: LookupQuery) => (calls.push(query), [byThatId, digitsName]);
    const lookupOne = createLookupBatcher({ lookup, windowMs: 2, schedule: time.schedule, now: time.now });
    const answers = Promise.all([lookupOne(creds("a"), "screen_name", "12345"), lookupOne(creds("a"), "user_id", "12345")]);
    await time.runUntil(100);
    expect((await answers).map((u) => u?.screen_name)).toEqual(["12345", "noradio"]);
    expect(calls).toEqual([{ screen_name: ["12345"], user_id: ["12345"] }]);
  });

  it("refuses, without a call, the kind whose quota ran out while it waited, and sends the other", async () => {
    const time = virtualTime();
    const up = slowLookup(time, LOOKUP_MS);
    const limited = new BridgeError("rate_limited", { xCode: 88 });
    let spent = false;
    const lookupOne = createLookupBatcher({
      lookup: up.lookup,
      windowMs: 2,
      schedule: time.schedule,
      now: time.now,
      refusal: (_c, by) => (spent && by === "user_id" ? limited : undefined),
    });
    const answers = [lookupOne(creds("a"), "user_id", id(1)), lookupOne(creds("a"), "screen_name", "load_2")];
    for (const a of answers) a.catch(() => {});
    spent = true;
    await time.runUntil(1_000);
    const settled = await Promise.allSettled(answers);
    expect(settled.map((s) => (s.status === "fulfilled" ? s.value?.screen_name : s.reason))).toEqual([limited, "load_2"]);
    expect(up.calls.map((c) => c.values)).toEqual([["load_2"]]);
  });

  it("keeps names and ids in calls of their own for an upstream that takes one kind per call (v2)", async () => {
    const time = virtualTime();
    const up = slowLookup(time, LOOKUP_MS);
    const lookup = Object.assign(up.lookup, { oneKindPerCall: true });
    const lookupOne = createLookupBatcher({ lookup, windowMs: 2, schedule: time.schedule, now: time.now });
    const answers = Promise.all([lookupOne(creds("a"), "user_id", id(1)), lookupOne(creds("a"), "screen_name", "load_2")]);
    await time.runUntil(1_000);
    expect((await answers).map((u) => u?.screen_name)).toEqual(["load_1", "load_2"]);
    expect(up.calls.map((c) => c.values)).toEqual([[id(1)], ["load_2"]]);
  });
});
