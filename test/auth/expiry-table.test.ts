import { describe, expect, it } from "vitest";
import { ExpiryTable } from "../../src/auth/expiry-table";

describe("ExpiryTable", () => {
  it("agrees with a Map through 200,000 random sets and deletes, across growth and wrap-around", () => {
    let seed = 12345;
    const random = () => ((seed = Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
    // Few distinct keys, so that the same ones come back after deletion; many share their low 32 bits.
    const keys = Array.from({ length: 3_000 }, (_, i) => (i % 7 === 0 ? 2 ** 40 * (i + 1) : Math.floor(random() * 2 ** 53) + 1));
    const table = new ExpiryTable(16);
    const model = new Map<number, number>();
    for (let step = 0; step < 200_000; step++) {
      const key = keys[Math.floor(random() * keys.length)]!;
      if (random() < 0.45) {
        table.delete(key);
        model.delete(key);
      } else {
        table.set(key, step);
        model.set(key, step);
      }
      if (step % 1_000 === 0) {
        expect(table.size).toBe(model.size);
        for (const k of keys) expect(table.get(k)).toBe(model.get(k));
      }
    }
    for (const k of keys) expect(table.get(k)).toBe(model.get(k));
  });
});
