import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { DEMO_CREDENTIALS } from "../../src/sandbox/sandbox-users";
import { startSandboxUpstream } from "../helpers/harness";
import { signLegacyCall } from "../helpers/legacy-client";
import { randomId } from "../helpers/node-crypto";
import { skipRedisTests, startTestRedis } from "../helpers/redis-server";
import { SIDECAR_ARGS, startSidecar, stopSidecars, type StartedSidecar } from "../helpers/sidecar";
import { parsePrometheus } from "../helpers/prometheus";

const run = promisify(execFile);
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  stopSidecars();
  for (const close of closers.splice(0).reverse()) await close();
});

/** The origin clients sign against: the load balancer in front of every replica. */
const PUBLIC = "http://dm.example.test";
const PATH = "/1.1/direct_messages/new.json";

/** A signed request as a client sends it to the load balancer, which hands it to `sidecar`. */
async function deliver(signed: Request, sidecar: StartedSidecar): Promise<Response> {
  const url = new URL(signed.url);
  return fetch(sidecar.url + url.pathname + url.search, { method: "POST", headers: signed.headers, body: await signed.clone().text() });
}

const dm = (text: string, screenName = "dougw") => signLegacyCall({ url: PUBLIC + PATH, form: { screen_name: screenName, text } });

async function deployment(extraEnv: Record<string, string> = {}) {
  const redis = await startTestRedis({ own: true });
  closers.push(() => redis.close());
  const upstream = await startSandboxUpstream();
  closers.push(upstream.close);
  const env = {
    UPSTREAM_URL: upstream.url,
    DM_PROXY_CREDENTIALS: JSON.stringify(DEMO_CREDENTIALS),
    PUBLIC_BASE_URL: PUBLIC,
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `e2e-${randomId().slice(0, 8)}:`,
    ...extraEnv,
  };
  return { redis, upstream, env, texts: () => upstream.sandbox.stats.events.map((e) => e.text) };
}

const healthOf = async (s: StartedSidecar) => (await (await fetch(`${s.url}/healthz`)).json()).shared_state;

async function until(condition: () => Promise<boolean> | boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(skipRedisTests)("two sidecar processes on one Redis", () => {
  it("replays refused across them, simultaneous copies sent once, the budget shared, a name looked up once", async () => {
    const { env, upstream, texts } = await deployment({ DM_DAILY_LIMIT_PER_USER: "4" });
    const [a, b] = [await startSidecar(env), await startSidecar(env)];
    expect([await healthOf(a), await healthOf(b)]).toEqual(["shared", "shared"]);

    const first = dm("replayed at B");
    expect((await deliver(first, a)).status).toBe(200);
    const replay = await deliver(first, b);
    expect(replay.status).toBe(401);
    expect(replay.headers.get("x-dm-bridge-error")).toBe("auth_replay");
    // B never looked dougw up: A's lookup filled the shared cache.
    expect(upstream.sandbox.stats.lookups.filter((names) => names.includes("dougw"))).toHaveLength(1);

    const racing = dm("two copies at once");
    const answers = await Promise.all([deliver(racing, a), deliver(racing, b)]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 401]);

    // Two sent so far; the limit of 4 holds across both processes.
    const more = await Promise.all([a, b, a, b].map((s, i) => deliver(dm(`budget ${i}`), s)));
    expect(more.map((r) => r.status).sort()).toEqual([200, 200, 429, 429]);
    expect((await more.find((r) => r.status === 429)!.json()).errors[0].code).toBe(88);
    expect(texts()).toHaveLength(4);
  });

  it("keeps sending while Redis is down (degraded, still 200) and shares again when it is back", async () => {
    const { env, redis, texts } = await deployment();
    const [a, b] = [await startSidecar(env), await startSidecar(env)];
    await redis.kill();
    const during = await Promise.all([deliver(dm("sent during the outage"), a), deliver(dm("also during it"), b)]);
    expect(during.map((r) => r.status)).toEqual([200, 200]);
    expect((await fetch(`${a.url}/healthz`)).status).toBe(200);
    await until(async () => (await healthOf(a)) === "degraded", "A to report degraded");
    await redis.start();
    await until(async () => (await healthOf(a)) === "shared" && (await healthOf(b)) === "shared", "both to share again");
    const again = dm("after the outage");
    expect((await deliver(again, a)).status).toBe(200);
    expect((await deliver(again, b)).headers.get("x-dm-bridge-error")).toBe("auth_replay");
    expect(texts().sort()).toEqual(["after the outage", "also during it", "sent during the outage"]);
    // One line per change of state, never the URL's password or the URL.
    expect(a.printed().match(/"event":"shared_state","state":"degraded"/g)).toHaveLength(1);
    expect(a.printed()).not.toContain(redis.url);
  });
});

describe.skipIf(skipRedisTests)("WEB_CONCURRENCY=2", () => {
  it("answers concurrent sends, refuses every replay whichever worker gets it, sums metrics, drains both workers", async () => {
    const { env, upstream, texts } = await deployment({ WEB_CONCURRENCY: "2" });
    const sidecar = await startSidecar(env);
    expect(sidecar.output).toMatch(/"event":"ready","url":"[^"]+","workers":2/);

    const sends = await Promise.all(Array.from({ length: 12 }, (_, i) => deliver(dm(`concurrent ${i}`), sidecar)));
    expect(sends.map((r) => r.status)).toEqual(Array(12).fill(200));
    const copied = dm("copied eight times");
    const copies = await Promise.all(Array.from({ length: 8 }, () => deliver(copied, sidecar)));
    expect(copies.map((r) => r.status).sort()).toEqual([200, 401, 401, 401, 401, 401, 401, 401]);
    expect(texts()).toHaveLength(13);
    // Both workers served: each has its own process, and a scrape sums them.
    const metrics = parsePrometheus(await (await fetch(`${sidecar.url}/metrics`)).text());
    expect(metrics.get('dm_bridge_requests_total{dialect="twitter-1.1",format="json",status="200"}')).toBe(13);
    expect(metrics.get('dm_bridge_refusals_total{reason="replay"}')).toBe(7);

    upstream.sandbox.setFault("direct_messages/events/new", { kind: "delay", ms: 1_000 });
    const held = deliver(dm("held at the stop"), sidecar);
    await until(() => (upstream.sandbox.stats.calls["direct_messages/events/new"] ?? 0) > 13, "the held send to reach the upstream");
    process.kill(-sidecar.child.pid!, "SIGTERM");
    expect((await held).status).toBe(200);
    expect((await sidecar.exited).code).toBe(0);
    expect(texts()).toHaveLength(14);
    expect(sidecar.printed().match(/"event":"drained"/g)).toHaveLength(2);
  });

  it("replaces a worker that dies, and says so", async () => {
    const { env } = await deployment({ WEB_CONCURRENCY: "2" });
    const sidecar = await startSidecar(env);
    const { stdout } = await run("pgrep", ["-P", String(sidecar.child.pid)]);
    const workers = stdout.trim().split("\n").map(Number);
    expect(workers).toHaveLength(2);
    process.kill(workers[0]!, "SIGKILL");
    await until(() => /"event":"worker_exit","pid":\d+,"signal":"SIGKILL","replaced":"yes"/.test(sidecar.printed()), "the exit to be logged");
    await until(async () => (await run("pgrep", ["-P", String(sidecar.child.pid)])).stdout.trim().split("\n").length === 2, "a new worker");
    expect((await deliver(dm("after a worker died"), sidecar)).status).toBe(200);
  });
});

describe("WEB_CONCURRENCY without REDIS_URL", () => {
  it("refuses to start and says why", async () => {
    const err = await run(process.execPath, SIDECAR_ARGS, { env: { PATH: process.env.PATH ?? "", WEB_CONCURRENCY: "2" } }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect("code" in err && err.code).toBe(1);
    expect((err as { stderr: string }).stderr.trim()).toBe(
      "dm-bridge: configuration error: WEB_CONCURRENCY=2 needs REDIS_URL: without a shared store a request replayed to another worker would be sent again, and each worker would count its own daily budget",
    );
  });
});
