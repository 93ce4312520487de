import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createKvNonceStore } from "../../src/auth/kv-nonce-store";
import { signWebLegacyCall } from "./web-client";
import { AUTH_FAILED, errorOf } from "../helpers/twitter-1-1-answers";

const NEW_JSON = "http://proxy.test/1.1/direct_messages/new.json";

describe("replay protection across isolates", () => {
  it("refuses a replay in the same isolate, with or without KV", async () => {
    const once = await signWebLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "only once" } });
    const replay = once.clone();
    expect((await env.SANDBOX_WORKER.fetch(once)).status).toBe(200);
    expect(await errorOf(await env.SANDBOX_WORKER.fetch(replay))).toEqual({ status: 401, body: AUTH_FAILED });
  });

  it("with DM_BRIDGE_KV, refuses a request replayed into another isolate", async () => {
    const once = await signWebLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "only once, everywhere" } });
    const replay = once.clone();
    expect((await env.KV_WORKER_A.fetch(once)).status).toBe(200);
    expect(await errorOf(await env.KV_WORKER_B.fetch(replay))).toEqual({ status: 401, body: AUTH_FAILED });
  });

  it("without KV, each isolate knows only its own nonces (why the README recommends the namespace)", async () => {
    const once = await signWebLegacyCall({ url: NEW_JSON, form: { screen_name: "dougw", text: "twice without KV" } });
    const replay = once.clone();
    expect((await env.SANDBOX_WORKER.fetch(once)).status).toBe(200);
    expect((await env.SANDBOX_WORKER_2.fetch(replay)).status).toBe(200);
  });
});

describe("createKvNonceStore on Workers KV", () => {
  it("remembers a key for at least KV's 60-second minimum, under a hashed name of bounded length", async () => {
    const store = createKvNonceStore(env.TEST_KV);
    const key = ["demo-consumer-key", "776627022-demo-access-token", "n".repeat(2_000), "1764000000"].join("\n");
    expect(await store.remember(key, 10_000)).toBe(true);
    expect(await store.remember(key, 10_000)).toBe(false);
    // A second isolate has its own memory: only KV can answer for it.
    expect(await createKvNonceStore(env.TEST_KV).remember(key, 10_000)).toBe(false);
    expect(await createKvNonceStore(env.TEST_KV).remember(`${key}x`, 10_000)).toBe(true);
  });

  it("goes on with the isolate's memory when KV fails, and says so", async () => {
    const errors: unknown[] = [];
    const broken = {
      get: () => Promise.reject(new Error("KV GET failed: 503")),
      put: () => Promise.reject(new Error("KV PUT failed: 503")),
    };
    const store = createKvNonceStore(broken, { onKvError: (e) => errors.push(e) });
    expect(await store.remember("k", 600_000)).toBe(true);
    expect(await store.remember("k", 600_000)).toBe(false);
    expect(errors).toHaveLength(1);
  });
});
