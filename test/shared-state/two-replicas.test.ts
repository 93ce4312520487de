import { afterEach, describe, expect, it, vi } from "vitest";
import type { LogLine } from "../../src/app";
import { createMemoryNonceStore } from "../../src/auth/nonce-store";
import type { SendLimits } from "../../src/auth/send-budget";
import { createRedisSharedState, type RedisSharedState } from "../../src/shared-state/redis-shared-state";
import { PROXY, startHarness, startSandboxUpstream, type Harness, type SandboxUpstream } from "../helpers/harness";
import { signLegacyCall } from "../helpers/legacy-client";
import { randomId } from "../helpers/node-crypto";
import { canControlRedis, skipRedisTests, startTestRedis, type TestRedis } from "../helpers/redis-server";
import { testSharedStateOptions } from "./subjects";
import { errorOf } from "../helpers/twitter-1-1-answers";

/**
 * Two replicas of the gateway behind one load balancer: separate processes' memory (each its own app, caches and
 * local nonce store), one Redis, one upstream (the sandbox, which counts what was really sent and looked up).
 */
const NEW_JSON = `${PROXY}/1.1/direct_messages/new.json`;
const NEW_XML_1_0 = `${PROXY}/1/direct_messages/new.xml`;
const PASSWORD = "replica-pw-7c1e";

interface Replica {
  h: Harness;
  shared: RedisSharedState;
  /** What the shared state told the operator. */
  logs: LogLine[];
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function deployment(options: { redis?: TestRedis; limits?: SendLimits; required?: boolean } = {}) {
  const redis = options.redis ?? (await startTestRedis());
  if (!options.redis) cleanup.push(() => redis.close());
  const upstream: SandboxUpstream = await startSandboxUpstream();
  cleanup.push(() => upstream.close());
  const prefix = `deploy-${randomId()}:`;
  const replica = async (): Promise<Replica> => {
    const logs: LogLine[] = [];
    const shared = createRedisSharedState({
      ...testSharedStateOptions(redis.url, prefix, (l) => logs.push(l)),
      required: options.required ?? false,
      localNonces: createMemoryNonceStore(10_000),
    });
    cleanup.push(() => shared.close());
    await shared.ready;
    expect(shared.status()).toBe("shared");
    const h = await startHarness({
      upstream,
      app: { nonces: shared.nonces, sendBudget: options.limits && shared.sendBudget(options.limits), sharedUserStore: shared.userStore, sharedState: shared },
    });
    cleanup.push(() => h.close());
    return { h, shared, logs };
  };
  const [a, b] = [await replica(), await replica()];
  return { a, b, upstream, events: () => upstream.sandbox.stats.events.map((e) => e.text) };
}

const send = (text: string, screenName = "dougw") => signLegacyCall({ url: NEW_JSON, form: { screen_name: screenName, text } });
const health = async (r: Replica) => {
  const res = await r.h.call(new Request(`${PROXY}/healthz`));
  return { status: res.status, shared_state: (await res.json()).shared_state };
};

describe.skipIf(skipRedisTests)("two replicas on one Redis", () => {
  it("refuses at B the replay of a request A answered, in the dialect's form; the message went out once", async () => {
    const { a, b, events } = await deployment();
    const json = send("only once");
    const jsonReplay = json.clone();
    expect((await a.h.call(json)).status).toBe(200);
    expect(await errorOf(await b.h.call(jsonReplay))).toEqual({ status: 401, body: { errors: [{ code: 32, message: "Could not authenticate you." }] } });
    const xml = signLegacyCall({ url: NEW_XML_1_0, form: { user: "dougw", text: "once in xml" } });
    const xmlReplay = xml.clone();
    expect((await b.h.call(xml)).status).toBe(200);
    const refused = await a.h.call(xmlReplay);
    expect([refused.status, refused.headers.get("content-type")]).toEqual([401, "application/xml; charset=utf-8"]);
    expect(await refused.text()).toContain("<error>Invalid / used nonce</error>");
    expect(events()).toEqual(["only once", "once in xml"]);
  });

  it("of two copies of one request arriving at A and B at the same moment, sends exactly one", async () => {
    const { a, b, events } = await deployment();
    for (let i = 0; i < 5; i++) {
      const request = send(`copy ${i}`);
      const copies = [request.clone(), request.clone()];
      const statuses = await Promise.all([a.h.call(copies[0]!), b.h.call(copies[1]!)].map(async (r) => (await r).status));
      expect(statuses.sort()).toEqual([200, 401]);
    }
    expect(events()).toEqual(["copy 0", "copy 1", "copy 2", "copy 3", "copy 4"]);
  });

  it("holds a daily limit across both, also when sends arrive at once", async () => {
    const { a, b, events } = await deployment({ limits: { perUser: 4, perApp: undefined } });
    expect((await a.h.call(send("first"))).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 9 }, (_, i) => [a, b][i % 2]!.h.call(send(`burst ${i}`))));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    const refused = answers.find((r) => r.status === 429)!;
    expect((await refused.json()).errors[0].code).toBe(88);
    expect(refused.headers.get("x-rate-limit-limit")).toBe("4");
    expect(events()).toHaveLength(4);
  });

  it("a name (and a user) A resolved costs B no lookup", async () => {
    const { a, b, upstream } = await deployment();
    const lookups = () => upstream.sandbox.stats.lookups.flat().sort();
    expect((await a.h.call(send("via A"))).status).toBe(200);
    // The recipient by name, and the sender by id for the legacy answer's sender object.
    const byA = lookups();
    expect(byA).toContain("dougw");
    // A writes the shared tier after answering, as a cache does: the name, and each user looked up.
    const written = async () => {
      const id = await b.shared.userStore.get("n:dougw");
      const ids = byA.map((v) => (/^[0-9]+$/.test(v) ? v : id));
      return id !== undefined && (await Promise.all(ids.map((i) => b.shared.userStore.get(`u:${i}`)))).every((u) => u !== undefined);
    };
    await vi.waitFor(async () => expect(await written()).toBe(true), { interval: 10 });
    expect((await b.h.call(send("via B"))).status).toBe(200);
    expect(lookups()).toEqual(byA);
    expect(upstream.sandbox.stats.events.map((e) => [e.recipient_id, e.text])).toEqual([
      [expect.any(String), "via A"],
      [upstream.sandbox.stats.events[0]!.recipient_id, "via B"],
    ]);
  });
});

describe.skipIf(skipRedisTests || !canControlRedis)("two replicas when Redis dies and comes back", () => {
  it("go on sending, say degraded (still 200) in one line each, and share again by themselves", async () => {
    const redis = await startTestRedis({ own: true, user: "bridge", password: PASSWORD });
    cleanup.push(() => redis.close());
    const { a, b, events } = await deployment({ redis, limits: { perUser: 100, perApp: 1_000 } });
    expect(await health(a)).toEqual({ status: 200, shared_state: "shared" });
    expect((await a.h.call(send("before"))).status).toBe(200);

    await redis.kill();
    const replaysOfDegraded: Request[] = [];
    for (let i = 0; i < 3; i++) {
      const request = send(`during A ${i}`);
      replaysOfDegraded.push(request.clone());
      expect((await a.h.call(request)).status).toBe(200);
      expect((await b.h.call(send(`during B ${i}`))).status).toBe(200);
    }
    expect(await health(a)).toEqual({ status: 200, shared_state: "degraded" });
    expect(await health(b)).toEqual({ status: 200, shared_state: "degraded" });

    await redis.start();
    for (const r of [a, b]) await vi.waitFor(async () => expect((await health(r)).shared_state).toBe("shared"), { timeout: 10_000, interval: 25 });
    const again = send("after");
    const replay = again.clone();
    expect((await a.h.call(again)).status).toBe(200);
    expect((await b.h.call(replay)).status).toBe(401);
    // What A accepted alone while Redis was away, B refuses now too.
    for (const r of replaysOfDegraded) expect((await b.h.call(r)).status).toBe(401);
    expect(events()).toHaveLength(8);

    for (const r of [a, b]) {
      expect(r.logs.map((l) => `${l.event} ${l.state}`)).toEqual(["shared_state shared", "shared_state degraded", "shared_state shared"]);
      expect(JSON.stringify([r.logs, r.h.logs])).not.toContain(PASSWORD);
    }
  });

  it("with SHARED_STATE_REQUIRED and Redis down, refuse with 503 in the dialect's form and send nothing", async () => {
    const redis = await startTestRedis({ own: true });
    cleanup.push(() => redis.close());
    const { a, b, events } = await deployment({ redis, required: true });
    await redis.kill();
    await vi.waitFor(() => expect(a.shared.status()).toBe("degraded"), { interval: 10 });
    const json = await a.h.call(send("refused"));
    expect(await errorOf(json.clone())).toEqual({ status: 503, body: { errors: [{ code: 130, message: "Over capacity." }] } });
    expect(json.headers.get("retry-after")).toBe("5");
    const xml = await b.h.call(signLegacyCall({ url: NEW_XML_1_0, form: { user: "dougw", text: "refused too" } }));
    expect(xml.status).toBe(503);
    expect(await xml.text()).toContain("<error>The service is unavailable for a moment; try again shortly.</error>");
    expect(await health(a)).toEqual({ status: 200, shared_state: "degraded" });
    expect(events()).toEqual([]);
  });
});
