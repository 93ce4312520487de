import { describe, expect, it } from "vitest";
import { createMemoryNonceStore } from "../../src/auth/nonce-store";

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

  it("drops the oldest keys past max, and only those", () => {
    let now = 0;
    const store = createMemoryNonceStore(3, () => now);
    for (const k of ["a", "b", "c", "d"]) {
      now += 1;
      expect(store.remember(k, 600_000)).toBe(true);
    }
    // "a" was dropped to make room for "d"; the three newest are still refused.
    expect(store.remember("b", 600_000)).toBe(false);
    expect(store.remember("c", 600_000)).toBe(false);
    expect(store.remember("d", 600_000)).toBe(false);
    expect(store.remember("a", 600_000)).toBe(true);
  });
});
