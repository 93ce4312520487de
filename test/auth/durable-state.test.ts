import { describe, expect, it } from "vitest";
import { createDurableState, parseDurableStateSettings } from "../../src/auth/durable-state";
import { createMemoryNonceStore } from "../../src/auth/nonce-store";
import { createMemorySendBudget } from "../../src/auth/send-budget";
import { createStateObject } from "../../src/auth/state-object";
import { ConfigError } from "../../src/config";
import { BridgeError } from "../../src/core/errors";
import { createMemoryStateStorage } from "../helpers/memory-state-storage";

/**
 * The failure policy around the objects, with the state object's own logic behind a namespace that can be made to
 * fail or hang (the objects themselves run in workerd in test/workers/durable-objects.test.ts).
 */
function namespace() {
  const objects = new Map<string, ReturnType<typeof createStateObject>>();
  const ns = {
    mode: "up" as "up" | "down" | "hang",
    names: new Set<string>(),
    idFromName: (name: string) => name,
    get(id: unknown) {
      const name = id as string;
      ns.names.add(name);
      if (!objects.has(name)) objects.set(name, createStateObject(createMemoryStateStorage().storage));
      const o = objects.get(name)!;
      const run = <T>(f: () => Promise<T>): Promise<T> =>
        ns.mode === "down" ? Promise.reject(new Error("Durable Object reset because its code was updated")) : ns.mode === "hang" ? new Promise(() => {}) : f();
      return {
        claim: (k: string, e: number) => run(() => o.claim(k, e)),
        reserve: (l: number) => run(() => o.reserve(l)),
        release: (t: number) => run(() => o.release(t)),
      };
    },
  };
  return ns;
}

const CREDS = { consumerKey: "ck", consumerSecret: "cs", token: "tk", tokenSecret: "ts" };
const LIMITS = { perUser: 2, perApp: 3 };

/** One isolate's durable state: its own memory, the objects of `ns`. */
function isolate(ns: ReturnType<typeof namespace>, required: boolean, log: (line: Record<string, string>) => void) {
  return createDurableState({
    namespace: ns,
    local: { nonces: createMemoryNonceStore(), budget: createMemorySendBudget(LIMITS, Date.now) },
    limits: LIMITS,
    required,
    timeoutMs: 50,
    clock: Date.now,
    log,
  });
}

function setup(required = false) {
  const ns = namespace();
  const lines: Record<string, string>[] = [];
  return { ns, lines, state: isolate(ns, required, (l) => lines.push(l)), other: isolate(ns, required, () => {}) };
}

const key = (nonce: string) => `ck\ntk\n${nonce}\n1764000000`;

describe("createDurableState", () => {
  it("refuses a nonce another isolate claimed, and names objects by hashes, never by the token", async () => {
    const { ns, state, other } = setup();
    expect(await state.nonces.remember(key("a"), 60_000)).toBe(true);
    expect(await other.nonces.remember(key("a"), 60_000)).toBe(false);
    expect([...ns.names].every((n) => /^[0-9a-f]{64}$/.test(n))).toBe(true);
  });

  it("falls back to the isolate's memory while the objects fail, logging one line when it starts and one when it ends", async () => {
    const { ns, lines, state } = setup();
    ns.mode = "down";
    expect(await state.nonces.remember(key("b"), 60_000)).toBe(true);
    expect(await state.nonces.remember(key("b"), 60_000)).toBe(false);
    expect(await state.nonces.remember(key("c"), 60_000)).toBe(true);
    ns.mode = "hang";
    expect(await state.nonces.remember(key("d"), 60_000)).toBe(true);
    expect(state.status()).toBe("degraded");
    ns.mode = "up";
    expect(await state.nonces.remember(key("e"), 60_000)).toBe(true);
    expect(await state.nonces.remember(key("f"), 60_000)).toBe(true);
    expect(state.status()).toBe("shared");
    expect(lines).toEqual([
      { level: "warn", event: "shared_state", state: "degraded", store: "durable_object", error: "Error" },
      { level: "info", event: "shared_state", state: "shared", store: "durable_object" },
    ]);
  });

  it("counts budgets in the objects across isolates, and in the isolate's memory while they fail", async () => {
    const { ns, state, other } = setup();
    await state.budget!.reserve(CREDS);
    await other.budget!.reserve(CREDS);
    await expect(state.budget!.reserve(CREDS)).rejects.toMatchObject({ kind: "rate_limited", detail: { xCode: 88 } });
    ns.mode = "down";
    // The isolate's own count starts from nothing: a fallback keeps sending, within the limit per isolate.
    await state.budget!.reserve(CREDS);
    await state.budget!.reserve(CREDS);
    await expect(state.budget!.reserve(CREDS)).rejects.toMatchObject({ kind: "rate_limited" });
  });

  it("gives the user's send back when the app's budget refuses, and both back on release", async () => {
    const { state } = setup();
    const other = { ...CREDS, token: "tk2" };
    const third = { ...CREDS, token: "tk3" };
    await state.budget!.reserve(CREDS);
    await state.budget!.reserve(CREDS);
    const release = await state.budget!.reserve(other);
    await expect(state.budget!.reserve(other)).rejects.toMatchObject({ detail: { headers: { "x-rate-limit-limit": "3" } } });
    await expect(state.budget!.reserve(other)).rejects.toMatchObject({ detail: { headers: { "x-rate-limit-limit": "3" } } });
    // Had either refusal kept tk2's count, the second would have been tk2's own limit (2).
    await release();
    // The released send was the app's third: another token may take it.
    await state.budget!.reserve(third);
    await expect(state.budget!.reserve(third)).rejects.toMatchObject({ detail: { headers: { "x-rate-limit-limit": "3" } } });
  });

  it("with SHARED_STATE_REQUIRED, answers 503 with Retry-After instead of falling back", async () => {
    const { ns, state } = setup(true);
    ns.mode = "down";
    const refusal = new BridgeError("unavailable", { headers: { "retry-after": "5" } });
    await expect(state.nonces.remember(key("g"), 60_000)).rejects.toEqual(refusal);
    await expect(state.budget!.reserve(CREDS)).rejects.toEqual(refusal);
    ns.mode = "up";
    // The refused request left no trace: sent again, it goes through once.
    expect(await state.nonces.remember(key("g"), 60_000)).toBe(true);
    expect(await state.nonces.remember(key("g"), 60_000)).toBe(false);
  });
});

describe("parseDurableStateSettings", () => {
  it("reads SHARED_STATE_REQUIRED and DURABLE_OBJECT_TIMEOUT_MS, with defaults", () => {
    expect(parseDurableStateSettings({}, false)).toEqual({ required: false, timeoutMs: 1_000 });
    expect(parseDurableStateSettings({ SHARED_STATE_REQUIRED: "true", DURABLE_OBJECT_TIMEOUT_MS: "250" }, true)).toEqual({ required: true, timeoutMs: 250 });
  });

  it("refuses a value that is not a boolean, and required without the binding, naming the setting", () => {
    expect(() => parseDurableStateSettings({ SHARED_STATE_REQUIRED: "yes please" }, true)).toThrow(ConfigError);
    expect(() => parseDurableStateSettings({ SHARED_STATE_REQUIRED: "yes please" }, true)).toThrow(/SHARED_STATE_REQUIRED/);
    expect(() => parseDurableStateSettings({ SHARED_STATE_REQUIRED: "true" }, false)).toThrow(/SHARED_STATE_REQUIRED=true needs the DM_BRIDGE_STATE/);
    expect(() => parseDurableStateSettings({ DURABLE_OBJECT_TIMEOUT_MS: "0" }, true)).toThrow(/DURABLE_OBJECT_TIMEOUT_MS/);
    expect(() => parseDurableStateSettings({ REDIS_URL: "redis://:secret@cache:6379" }, true)).toThrow(
      /^REDIS_URL is for the Node sidecar: on Workers, bind the DM_BRIDGE_STATE/,
    );
  });
});
