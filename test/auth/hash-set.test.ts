import { describe, expect, it } from "vitest";
import { HashSet53 } from "../../src/auth/hash-set";

describe("HashSet53", () => {
  it("agrees with a Set through 200,000 random adds and deletes, across growth and wrap-around", () => {
    let seed = 12345;
    const random = () => ((seed = Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
    // Few distinct keys, so that the same ones come back after deletion; many share their low 32 bits.
    const keys = Array.from({ length: 3_000 }, (_, i) => (i % 7 === 0 ? 2 ** 40 * (i + 1) : Math.floor(random() * 2 ** 53) + 1));
    const set = new HashSet53(16);
    const model = new Set<number>();
    for (let step = 0; step < 200_000; step++) {
      const key = keys[Math.floor(random() * keys.length)]!;
      if (random() < 0.45) {
        set.delete(key);
        model.delete(key);
      } else {
        set.add(key);
        model.add(key);
      }
      if (step % 1_000 === 0) {
        expect(set.size).toBe(model.size);
        for (const k of keys) expect(set.has(k)).toBe(model.has(k));
      }
    }
    for (const k of keys) expect(set.has(k)).toBe(model.has(k));
  });

  it("holds a key three quarters of its slots deep and finds every one, across growth", () => {
    const set = new HashSet53(16);
    const held = Array.from({ length: 96_000 }, (_, i) => (i + 1) * 2 ** 21 + 7 * i);
    for (const k of held) set.add(k);
    expect(set.size).toBe(held.length);
    for (const k of held) expect(set.has(k)).toBe(true);
    for (let i = 0; i < 1_000; i++) expect(set.has(held[i]! + 1)).toBe(false);
  });
});
