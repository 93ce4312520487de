import { afterAll, describe, expect, it } from "vitest";
import { subjects } from "./subjects";

const START = Date.UTC(2026, 11, 2, 10, 0, 0, 250);

for (const subject of subjects()) {
  describe(`replay memory (${subject.name})`, () => {
    afterAll(() => subject.close());

    it("accepts a key once, then refuses it at either replica", async () => {
      const {
        nonces: [a, b],
      } = await subject.replicas(START);
      expect(await a.remember("ck\ntok\nnonce-1\n1795000000", 60_000)).toBe(true);
      expect(await a.remember("ck\ntok\nnonce-1\n1795000000", 60_000)).toBe(false);
      expect(await b.remember("ck\ntok\nnonce-1\n1795000000", 60_000)).toBe(false);
      expect(await b.remember("ck\ntok\nnonce-2\n1795000000", 60_000)).toBe(true);
      expect(await a.remember("ck\ntok\nnonce-2\n1795000000", 60_000)).toBe(false);
    });

    it("of copies arriving at once at both replicas, accepts exactly one", async () => {
      const { nonces } = await subject.replicas(START);
      for (let k = 0; k < 5; k++) {
        const key = `ck\ntok\nburst-${k}\n1795000000`;
        const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => nonces[i % 2]!.remember(key, 60_000)));
        expect(answers.filter(Boolean)).toHaveLength(1);
      }
    });

    it("holds a key for its window and forgets it after", async () => {
      const {
        nonces: [a, b],
        wait,
      } = await subject.replicas(START);
      expect(await a.remember("short", 1_000)).toBe(true);
      expect(await b.remember("short", 1_000)).toBe(false);
      // The memory store keeps whole seconds, rounded up: gone within two.
      await wait(2_100);
      expect(await b.remember("short", 1_000)).toBe(true);
    });
  });
}
