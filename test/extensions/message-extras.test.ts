import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { demoTwitterClient, signLegacyCall } from "../helpers/legacy-client";
import { PROXY, startHarness, type Harness } from "../helpers/harness";

const NEW_JSON = `${PROXY}/1.1/direct_messages/new.json`;
const OPTIONS = [{ label: "Red Bird", description: "A description about the red bird.", metadata: "external_id_1" }, { label: "Blue Bird" }];

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

describe("attachments and quick replies from legacy calls", () => {
  it("sends media_id as message_data.attachment and quick_reply_options as quick_reply, and answers the legacy DM", async () => {
    const form = { screen_name: "dougw", text: "pick one", media_id: "1855000000000000777", quick_reply_options: JSON.stringify(OPTIONS) };
    const res = await h.call(signLegacyCall({ url: NEW_JSON, form }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ text: "pick one", recipient_screen_name: "dougw" });
    expect(h.sandbox.stats.events).toEqual([
      {
        id: expect.any(String),
        sender_id: "776627022",
        recipient_id: "1401881",
        text: "pick one",
        attachment: { type: "media", media: { id: "1855000000000000777" } },
        quick_reply: { type: "options", options: OPTIONS },
      },
    ]);
  });

  it("refuses bad extras with 400 code 44 naming the parameter, before any lookup or send", async () => {
    const cases: [Record<string, string>, string][] = [
      [{ media_id: "1,2" }, "media_id parameter is invalid."],
      [{ quick_reply_options: JSON.stringify([{ label: "x".repeat(37) }]) }, "quick_reply_options parameter is invalid."],
      [{ quick_reply_options: JSON.stringify(Array(21).fill({ label: "x" })) }, "quick_reply_options parameter is invalid."],
    ];
    for (const [extra, message] of cases) {
      const res = await h.call(signLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "x", ...extra } }));
      expect([res.status, await res.json()]).toEqual([400, { errors: [{ code: 44, message }] }]);
    }
    expect(h.sandbox.stats.lookups).toEqual([]);
    expect(h.sandbox.stats.events).toEqual([]);
  });

  it("works on every dialect's route, refusals in that dialect's own error form", async () => {
    const form = { user: "marcosgdf", text: "with media", media_id: "9" };
    for (const path of ["/1/direct_messages/new.xml", "/direct_messages/new.json", "/api/direct_messages/new.json"]) {
      expect((await h.call(signLegacyCall({ url: PROXY + path, form }))).status).toBe(200);
    }
    expect(h.sandbox.stats.events.map((e) => e.attachment?.media.id)).toEqual(["9", "9", "9"]);
    const statusnet = await h.call(signLegacyCall({ url: `${PROXY}/api/direct_messages/new.json`, form: { ...form, media_id: "9,10" } }));
    expect([statusnet.status, Object.keys(await statusnet.json())]).toEqual([400, ["error", "request"]]);
    expect(h.sandbox.stats.events).toHaveLength(3);
  });

  it("works from an unmodified legacy library that passes extra parameters through (twitter 1.7.1)", async () => {
    await h.close();
    h = await startHarness({ listen: true });
    const client = demoTwitterClient(h.proxyUrl);
    const dm = await client.post("direct_messages/new", { screen_name: "theSeanCook", text: "with a picture", media_id: "42" });
    expect(dm.text).toBe("with a picture");
    expect(h.sandbox.stats.events[0]?.attachment).toEqual({ type: "media", media: { id: "42" } });
  });
});
