import { Redis } from "ioredis";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { LogLine } from "../../src/app";
import type { BridgeError } from "../../src/core/errors";
import type { OAuthCredentials } from "../../src/oauth/signature";
import { createRedisSharedState, type RedisSharedState } from "../../src/shared-state/redis-shared-state";
import { randomId } from "../helpers/node-crypto";
import { canControlRedis, freePort, skipRedisTests, startTestRedis, type TestRedis } from "../helpers/redis-server";
import { testSharedStateOptions } from "./subjects";

const PASSWORD = "pw-5ecret-f0r-tests";
const creds: OAuthCredentials = { consumerKey: "consumer-key-1", consumerSecret: "cs", token: "42-access-token-xyz", tokenSecret: "ts" };

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function redisServer(options: Parameters<typeof startTestRedis>[0] = {}): Promise<TestRedis> {
  const redis = await startTestRedis(options);
  cleanup.push(() => redis.close());
  return redis;
}

function sharedState(url: string, overrides: Partial<Parameters<typeof createRedisSharedState>[0]> = {}) {
  const logs: LogLine[] = [];
  const state = createRedisSharedState({ ...testSharedStateOptions(url, `test-${randomId()}:`, (l) => logs.push(l)), ...overrides });
  cleanup.push(() => state.close());
  return { state, logs, changes: () => logs.filter((l) => l.event === "shared_state").map((l) => `${l.state}${l.reason ? ` (${l.reason})` : ""}`) };
}

const becomes = (state: RedisSharedState, status: "shared" | "degraded") =>
  vi.waitFor(() => expect(state.status()).toBe(status), { timeout: 10_000, interval: 20 });

async function refusal(work: () => unknown): Promise<string> {
  try {
    await work();
    return "accepted";
  } catch (e) {
    return `${(e as BridgeError).kind} retry-after ${(e as BridgeError).detail.headers?.["retry-after"]}`;
  }
}

describe.skipIf(skipRedisTests)("what the shared state keeps in Redis", () => {
  it("keys of hashes under the prefix, each with an expiry; no token, consumer key or nonce in a key's name", async () => {
    const redis = await redisServer();
    const prefix = `keys-${randomId()}:`;
    const { state } = sharedState(redis.url, { keyPrefix: prefix });
    await state.ready;
    expect(await state.nonces.remember(`${creds.consumerKey}\n${creds.token}\nnonce-abc\n1795000000`, 300_000)).toBe(true);
    await state.sendBudget({ perUser: 10, perApp: 100 }).reserve(creds);
    await state.userStore.put("n:dougw", "12", 3_600_000);
    expect(await state.userStore.get("n:dougw")).toBe("12");
    expect(await state.userStore.get("n:nobody")).toBeUndefined();

    const inspect = new Redis(redis.url);
    cleanup.push(async () => void inspect.disconnect());
    const keys = (await inspect.keys(`${prefix}*`)).sort();
    const hex = "[0-9a-f]{64}";
    expect(keys.map((k) => k.slice(prefix.length).replace(new RegExp(hex), "<sha256>"))).toEqual([
      "budget:app:<sha256>",
      "budget:user:<sha256>",
      "nonce:<sha256>",
      "probe",
      "user:n:dougw",
    ]);
    for (const secret of [creds.token, creds.consumerKey, "nonce-abc"]) expect(keys.join(" ")).not.toContain(secret);
    const ttl = async (kind: string) => inspect.pttl(keys.find((k) => k.startsWith(prefix + kind))!);
    expect(await ttl("nonce:")).toBeGreaterThan(290_000);
    expect(await ttl("nonce:")).toBeLessThanOrEqual(300_000);
    expect(await ttl("budget:user:")).toBeGreaterThan(24.9 * 3_600_000);
    expect(await ttl("budget:user:")).toBeLessThanOrEqual(25 * 3_600_000);
    expect(await ttl("user:n:")).toBeGreaterThan(3_590_000);
  });
});

describe.skipIf(skipRedisTests || !canControlRedis)("when Redis goes away, is slow, or was never there", () => {
  it("counts a budget by the script's hash, and sends the script again once when Redis has forgotten it", async () => {
    const redis = await redisServer();
    const { state, changes } = sharedState(redis.url);
    await state.ready;
    const budget = state.sendBudget({ perUser: 3, perApp: undefined });
    await budget.reserve(creds);
    const inspect = new Redis(redis.url);
    cleanup.push(async () => void inspect.disconnect());
    // As after a restart of Redis or a SCRIPT FLUSH: the next EVALSHA is answered NOSCRIPT, and nothing ran.
    await inspect.script("FLUSH");
    await budget.reserve(creds);
    await budget.reserve(creds);
    expect(await refusal(() => budget.reserve(creds))).toBe("rate_limited retry-after undefined");
    expect(changes()).toEqual(["shared"]);
  });

  it("falls back to this process's memory, says so in one line without the password, and comes back by itself", async () => {
    const redis = await redisServer({ own: true, user: "bridge", password: PASSWORD });
    expect(redis.url).toContain(PASSWORD);
    const { state, logs, changes } = sharedState(redis.url);
    await state.ready;
    expect(state.status()).toBe("shared");
    expect(await state.nonces.remember("before", 60_000)).toBe(true);

    await redis.kill();
    await becomes(state, "degraded");
    // Sends go on: a new key is accepted on this process's word, and a replay that reaches it is still refused.
    for (let i = 0; i < 5; i++) expect(await state.nonces.remember(`during-${i}`, 60_000)).toBe(true);
    expect(await state.nonces.remember("during-0", 60_000)).toBe(false);
    expect(await state.nonces.remember("before", 60_000)).toBe(false);
    expect(await state.userStore.get("n:dougw")).toBeUndefined();
    await state.userStore.put("n:dougw", "12", 60_000);

    await redis.start();
    await becomes(state, "shared");
    expect(await state.nonces.remember("after", 60_000)).toBe(true);
    expect(changes()).toEqual(["shared", "degraded (connection closed)", "shared"]);
    expect(JSON.stringify(logs)).not.toContain(PASSWORD);
    expect(JSON.stringify(logs)).not.toContain("bridge:");
  });

  it("a daily budget goes on from what this replica sent itself while Redis is away", async () => {
    const redis = await redisServer({ own: true });
    const { state } = sharedState(redis.url);
    await state.ready;
    const budget = state.sendBudget({ perUser: 3, perApp: undefined });
    await budget.reserve(creds);
    await budget.reserve(creds);
    await redis.kill();
    await becomes(state, "degraded");
    expect(await refusal(() => budget.reserve(creds))).toBe("accepted");
    expect(await refusal(() => budget.reserve(creds))).toBe("rate_limited retry-after undefined");
  });

  it("what a replica accepted and counted alone is made known to the others once Redis is back", async () => {
    const redis = await redisServer({ own: true });
    const prefix = `catch-up-${randomId()}:`;
    const a = sharedState(redis.url, { keyPrefix: prefix });
    const b = sharedState(redis.url, { keyPrefix: prefix });
    await Promise.all([a.state.ready, b.state.ready]);
    const [budgetA, budgetB] = [a, b].map((r) => r.state.sendBudget({ perUser: 3, perApp: undefined }));
    await redis.kill();
    await becomes(a.state, "degraded");
    expect(await a.state.nonces.remember("accepted-alone", 60_000)).toBe(true);
    const refusedUpstream = await budgetA!.reserve(creds);
    await budgetA!.reserve(creds);
    await refusedUpstream();
    // Redis comes back empty: only what A kept can tell B.
    await redis.start();
    await becomes(a.state, "shared");
    await becomes(b.state, "shared");
    expect(await b.state.nonces.remember("accepted-alone", 60_000)).toBe(false);
    expect(await refusal(() => budgetB!.reserve(creds))).toBe("accepted");
    expect(await refusal(() => budgetB!.reserve(creds))).toBe("accepted");
    expect(await refusal(() => budgetB!.reserve(creds))).toBe("rate_limited retry-after undefined");
    expect(a.logs.at(-1)).toEqual({ level: "info", event: "shared_state", state: "shared", caught_up: 4 });
  });

  it("keeps only the newest of what it did alone when there is more than it may keep, and says how much it lost", async () => {
    const redis = await redisServer({ own: true });
    const prefix = `lost-${randomId()}:`;
    const a = sharedState(redis.url, { keyPrefix: prefix, maxBacklog: 10 });
    const b = sharedState(redis.url, { keyPrefix: prefix });
    await Promise.all([a.state.ready, b.state.ready]);
    await redis.kill();
    await becomes(a.state, "degraded");
    for (let i = 0; i < 25; i++) expect(await a.state.nonces.remember(`alone-${i}`, 60_000)).toBe(true);
    await redis.start();
    await becomes(a.state, "shared");
    await becomes(b.state, "shared");
    expect(a.logs.at(-1)).toEqual({ level: "info", event: "shared_state", state: "shared", caught_up: 10, lost: 15 });
    const refusedAtB = [];
    for (let i = 0; i < 25; i++) if (!(await b.state.nonces.remember(`alone-${i}`, 60_000))) refusedAtB.push(i);
    expect(refusedAtB).toEqual([15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
  });

  it("with SHARED_STATE_REQUIRED, refuses with 503 and Retry-After instead, and accepts again once Redis is back", async () => {
    const redis = await redisServer({ own: true });
    const { state } = sharedState(redis.url, { required: true });
    await state.ready;
    const budget = state.sendBudget({ perUser: 3, perApp: undefined });
    await redis.kill();
    await becomes(state, "degraded");
    expect(await refusal(() => state.nonces.remember("k1", 60_000))).toBe("unavailable retry-after 5");
    expect(await refusal(() => budget.reserve(creds))).toBe("unavailable retry-after 5");
    // The user cache is no protection: Redis away is only a miss.
    expect(await state.userStore.get("n:dougw")).toBeUndefined();
    await redis.start();
    await becomes(state, "shared");
    // The refused request was not remembered: the client's retry of it is not taken for a replay.
    expect(await state.nonces.remember("k1", 60_000)).toBe(true);
    expect(await refusal(() => budget.reserve(creds))).toBe("accepted");
  });

  it("a Redis that stops answering costs a command its deadline, then nothing until it answers again", async () => {
    const redis = await redisServer({ own: true });
    const { state, changes } = sharedState(redis.url, { timeoutMs: 300 });
    await state.ready;
    redis.pause();
    cleanup.push(async () => redis.resume());
    expect(await state.nonces.remember("while-paused", 60_000)).toBe(true);
    expect(state.status()).toBe("degraded");
    expect(await state.nonces.remember("while-paused", 60_000)).toBe(false);
    redis.resume();
    await becomes(state, "shared");
    expect(changes()).toEqual(["shared", "degraded (timeout)", "shared"]);
  });

  it("an unreachable Redis at start-up: starts degraded (one line), turns shared when Redis appears", async () => {
    const port = await freePort();
    const { state, changes } = sharedState(`redis://127.0.0.1:${port}`);
    await state.ready;
    expect(state.status()).toBe("degraded");
    expect(await state.nonces.remember("early", 60_000)).toBe(true);
    await redisServer({ own: true, port });
    await becomes(state, "shared");
    expect(changes()).toEqual(["degraded (ECONNREFUSED)", "shared"]);
  });

  it("a wrong password: degraded, with the reply's code and not the password", async () => {
    const redis = await redisServer({ own: true, user: "bridge", password: PASSWORD });
    const wrong = redis.url.replace(PASSWORD, `not-the-${PASSWORD}`);
    const { state, logs, changes } = sharedState(wrong);
    await state.ready;
    expect(state.status()).toBe("degraded");
    expect(changes()).toEqual(["degraded (WRONGPASS)"]);
    expect(JSON.stringify(logs)).not.toContain(PASSWORD);
  });
});
