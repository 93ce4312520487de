import { describe, expect, it } from "vitest";
import { createMemoryNonceStore, hashKey } from "../../src/auth/nonce-store";
import type { BridgeError } from "../../src/core/errors";

const outcome = (f: () => boolean | Promise<boolean>) => {
  try {
    return f();
  } catch (e) {
    return `${(e as BridgeError).kind} retry-after ${(e as BridgeError).detail.headers?.["retry-after"]}`;
  }
};

describe("createMemoryNonceStore", () => {
  it("refuses a key for its window and accepts it again after", () => {
    let now = 1_000_000;
    const store = createMemoryNonceStore(10, () => now);
    expect(store.remember("a", 600_000)).toBe(true);
    now += 599_999;
    expect(store.remember("a", 600_000)).toBe(false);
    now += 1;
    expect(store.remember("a", 600_000)).toBe(true);
  });

  it("when full of live keys, refuses new ones with 429 and Retry-After, and still refuses every replay", () => {
    let now = 0;
    const store = createMemoryNonceStore(3, () => now);
    for (const k of ["a", "b", "c"]) {
      now += 10_000;
      expect(store.remember(k, 60_000)).toBe(true);
    }
    // "a" expires at 70 s; it is 30 s now. Dropping it to make room would let a replay of it through.
    expect(outcome(() => store.remember("d", 60_000))).toBe("rate_limited retry-after 40");
    for (const k of ["a", "b", "c"]) expect(store.remember(k, 60_000)).toBe(false);
    now = 70_000;
    expect(store.remember("d", 60_000)).toBe(true);
    now = 80_000;
    expect(store.remember("a", 60_000)).toBe(true);
    expect(store.remember("d", 60_000)).toBe(false);
  });

  it("frees the keys that expire first, whatever order they came in (windows differ with each client's clock)", () => {
    let now = 0;
    const store = createMemoryNonceStore(3, () => now);
    expect(store.remember("clock-ahead", 600_000)).toBe(true);
    now = 1_000;
    expect(store.remember("s1", 10_000)).toBe(true);
    now = 2_000;
    expect(store.remember("s2", 10_000)).toBe(true);
    now = 5_000;
    expect(outcome(() => store.remember("n1", 10_000))).toBe("rate_limited retry-after 6");
    now = 12_000;
    expect(store.remember("n1", 10_000)).toBe(true);
    expect(store.remember("n2", 10_000)).toBe(true);
    expect(store.remember("clock-ahead", 600_000)).toBe(false);
  });

  it("after the clock steps back an hour, holds new keys until it is past where it was, then frees them and their room", () => {
    let now = 3_600_000;
    const store = createMemoryNonceStore(2, () => now);
    expect(store.remember("a", 10_000)).toBe(true);
    now += 20_000;
    expect(store.remember("x", 10_000)).toBe(true); // sweeps "a"; "x" is held until 30 s
    now -= 3_600_000;
    expect(store.remember("b", 10_000)).toBe(true);
    // Held (never forgotten early) though its window has passed by the stepped-back clock.
    now += 60_000;
    expect(store.remember("b", 10_000)).toBe(false);
    expect(outcome(() => store.remember("c", 10_000))).toMatch(/^rate_limited retry-after \d+$/);
    // Once the clock is past where it was, the store has all its room again: nothing was filed where no sweep goes.
    now = 3_600_000 + 40_000;
    expect(store.remember("d", 10_000)).toBe(true);
    expect(store.remember("e", 10_000)).toBe(true);
  });

  it("draws no random value until it is first used (Workers refuse them in global scope, where an app may be built)", () => {
    const original = crypto.getRandomValues;
    let draws = 0;
    crypto.getRandomValues = ((array: Uint32Array) => {
      draws++;
      return original.call(crypto, array);
    }) as typeof crypto.getRandomValues;
    try {
      const store = createMemoryNonceStore();
      expect(draws).toBe(0);
      expect(store.remember("a", 1_000)).toBe(true);
      expect(store.remember("a", 1_000)).toBe(false);
      expect(draws).toBe(1);
    } finally {
      crypto.getRandomValues = original;
    }
  });

  it("holds a key as 53 bits that depend on every character and on the process's seed", () => {
    const seed = [1, 2] as const;
    const h = hashKey("consumer\ntoken\nnonce-1\n1795000000", seed);
    expect(Number.isSafeInteger(h)).toBe(true);
    const seen = new Set<number>();
    for (let i = 0; i < 200_000; i++) seen.add(hashKey(`consumer\ntoken\nnonce-${i}\n1795000000`, seed));
    expect(seen.size).toBe(200_000);
    expect(hashKey("consumer\ntoken\nnonce-1\n1795000000", [3, 4])).not.toBe(h);
    expect(hashKey("consumer\ntoken\nnonce-1\n1795000001", seed)).not.toBe(h);
  });
});
