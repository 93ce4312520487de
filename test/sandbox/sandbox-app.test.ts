import { describe, expect, it } from "vitest";
import { PROXY, startHarness } from "../helpers/harness";
import { signLegacyCall } from "../helpers/legacy-client";

describe("sandbox maxRecordedEvents", () => {
  it("keeps only the newest events once the cap is reached, and still delivers every message", async () => {
    const h = await startHarness({ sandbox: { maxRecordedEvents: 2 } });
    try {
      for (const text of ["one", "two", "three", "four"]) {
        const res = await h.call(signLegacyCall({ url: `${PROXY}/1.1/direct_messages/new.json`, form: { screen_name: "dougw", text } }));
        expect(res.status).toBe(200);
      }
      expect(h.sandbox.stats.events.map((e) => e.text)).toEqual(["three", "four"]);
      expect(h.sandbox.stats.calls["direct_messages/events/new"]).toBe(4);
    } finally {
      await h.close();
    }
  });
});
