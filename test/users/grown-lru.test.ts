import { describe, expect, it } from "vitest";
import { createGrownLru } from "../../src/grown-lru";
import { createUserCache, DEFAULT_USER_CACHE } from "../../src/users/user-cache";

describe("createGrownLru", () => {
  it("holds at most maxEntries, dropping the least recently used first", () => {
    const lru = createGrownLru<string, number>(3);
    lru.set("a", 1).set("b", 2).set("c", 3);
    expect(lru.get("a")).toBe(1); // now the most recently used
    lru.set("d", 4);
    expect(lru.size).toBe(3);
    expect(lru.has("b")).toBe(false);
    expect([lru.get("a"), lru.get("c"), lru.get("d")]).toEqual([1, 3, 4]);
    for (let i = 0; i < 1_000; i++) lru.set(`k${i}`, i);
    expect(lru.size).toBe(3);
  });

  it("forgets an entry once its TTL has passed", async () => {
    const lru = createGrownLru<string, number>(10, 20);
    lru.set("a", 1);
    expect(lru.get("a")).toBe(1);
    await new Promise((r) => setTimeout(r, 40));
    expect(lru.get("a")).toBeUndefined();
  });

  it("costs next to nothing while empty: the user cache's three maps of 50,000 took 5.4 MB before holding a name", () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    const before = process.memoryUsage();
    const caches = Array.from({ length: 4 }, () => createUserCache(DEFAULT_USER_CACHE));
    gc?.();
    const after = process.memoryUsage();
    const grew = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
    // Four caches as lru-cache sets up `max` would be about 22 MB; garbage can only add to the figure without a gc.
    expect(caches).toHaveLength(4);
    expect(grew).toBeLessThan(4 * 2 ** 20);
  });
});
