import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signWebLegacyCall } from "./web-client";

const NEW_JSON = "http://proxy.test/1.1/direct_messages/new.json";

async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    const v = await read();
    if (done(v) || i === 50) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("the user cache's shared tier on DM_BRIDGE_KV", () => {
  it("keeps the writes a request started after its answer, so the name and profile land in KV", async () => {
    const res = await env.KV_WORKER_A.fetch(await signWebLegacyCall({ url: NEW_JSON, form: { screen_name: "IGUDO", text: "cache me" } }));
    expect(res.status).toBe(200);
    expect(
      await eventually(
        () => env.SHARED_KV.get("user-cache:n:igudo"),
        (v) => v !== null,
      ),
    ).toBe("7004322");
    const profile = await eventually(
      () => env.SHARED_KV.get("user-cache:u:7004322"),
      (v) => v !== null,
    );
    expect(JSON.parse(profile!)).toMatchObject({ id_str: "7004322", screen_name: "igudo" });
  });

  it("answers another isolate from KV: a name only KV knows resolves without the upstream knowing it", async () => {
    // The sandbox upstream has no user called kv_only_alias: only the shared tier can send this message anywhere.
    await env.SHARED_KV.put("user-cache:n:kv_only_alias", "38895958", { expirationTtl: 600 });
    const res = await env.KV_WORKER_B.fetch(await signWebLegacyCall({ url: NEW_JSON, form: { screen_name: "kv_only_alias", text: "via KV" } }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ recipient_id_str: "38895958", recipient_screen_name: "theSeanCook", text: "via KV" });
    const unshared = await env.SANDBOX_WORKER.fetch(await signWebLegacyCall({ url: NEW_JSON, form: { screen_name: "kv_only_alias", text: "no KV" } }));
    expect(unshared.status).toBe(404);
  });

  it("treats an unreadable profile entry as a miss rather than failing the message", async () => {
    await env.SHARED_KV.put("user-cache:n:dougw", "1401881", { expirationTtl: 600 });
    await env.SHARED_KV.put("user-cache:u:1401881", "{not json", { expirationTtl: 600 });
    const res = await env.KV_WORKER_B.fetch(await signWebLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "despite a bad entry" } }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ recipient_screen_name: "dougw", recipient_id_str: "1401881" });
  });
});
