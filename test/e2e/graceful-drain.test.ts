import { getRequestListener } from "@hono/node-server";
import { Agent, createServer, get, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { DEMO_CREDENTIALS } from "../../src/sandbox/sandbox-users";
import { startSandboxUpstream } from "../helpers/harness";
import { signLegacyCall } from "../helpers/legacy-client";
import { startSidecar, stopSidecars, type StartedSidecar } from "../helpers/sidecar";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  stopSidecars();
  for (const close of closers.splice(0)) await close();
});

const HELD_MS = 1_500;

async function sidecarOnSandbox(command?: string[]) {
  const upstream = await startSandboxUpstream();
  closers.push(upstream.close);
  const env = { UPSTREAM_URL: upstream.url, DM_PROXY_CREDENTIALS: JSON.stringify(DEMO_CREDENTIALS) };
  return { upstream, sidecar: await startSidecar(env, command) };
}

function sendDm(sidecar: StartedSidecar, text: string): Promise<Response> {
  return fetch(signLegacyCall({ url: `${sidecar.url}/1.1/direct_messages/new.json`, form: { screen_name: "dougw", text } }));
}

/** A GET on a connection kept open afterwards; `closed` settles when the server closes it. */
function keepAliveGet(url: string): Promise<{ closed: Promise<boolean> }> {
  const agent = new Agent({ keepAlive: true });
  return new Promise((resolve, reject) => {
    const request = get(url, { agent }, (res) => {
      const closed = new Promise<boolean>((r) => request.socket!.once("close", () => r(true)));
      res.resume();
      res.on("end", () => resolve({ closed }));
    });
    request.on("error", reject);
  });
}

async function until(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A send held upstream, the signal while it is held: the answer arrives, the message went out once, the process ends. */
async function stopDuringSend(signal: (sidecar: StartedSidecar) => void, command?: string[]) {
  const { upstream, sidecar } = await sidecarOnSandbox(command);
  // An idle keep-alive connection, as a load balancer keeps: closed by the drain, not waited for.
  const idle = await keepAliveGet(`${sidecar.url}/healthz`);
  upstream.sandbox.setFault("direct_messages/events/new", { kind: "delay", ms: HELD_MS });
  const answer = sendDm(sidecar, "sent while the sidecar stops");
  await until(() => (upstream.sandbox.stats.calls["direct_messages/events/new"] ?? 0) > 0, "the send to reach the upstream");
  const signalled = Date.now();
  signal(sidecar);
  const response = await answer;
  expect(response.status).toBe(200);
  expect(response.headers.get("connection")).toBe("close");
  expect((await response.json()).text).toBe("sent while the sidecar stops");
  const { code } = await sidecar.exited;
  const tookMs = Date.now() - signalled;
  expect(code).toBe(0);
  expect(tookMs).toBeLessThan(HELD_MS + 5_000);
  expect(upstream.sandbox.stats.events).toHaveLength(1);
  expect(await idle.closed).toBe(true);
  expect(sidecar.printed()).toMatch(/"event":"draining","signal":"SIGTERM","in_flight":1/);
  expect(sidecar.printed()).toMatch(/"event":"drained"/);
  // Once the drain started, nothing new is accepted.
  await expect(fetch(`${sidecar.url}/healthz`)).rejects.toThrow();
}

describe("graceful drain (a real sidecar process)", () => {
  it("SIGTERM to the process: the send held upstream is answered 200 and sent once, then the process exits 0", async () => {
    await stopDuringSend((s) => s.child.kill("SIGTERM"));
  });

  it("SIGTERM to the process group of `npm start` (npm forwards it again): the same, exit 0", async () => {
    await stopDuringSend((s) => process.kill(-s.child.pid!, "SIGTERM"), ["npm", "start"]);
  });

  it("a second signal well after the first exits at once, without waiting for the send", async () => {
    const { upstream, sidecar } = await sidecarOnSandbox();
    upstream.sandbox.setFault("direct_messages/events/new", { kind: "delay", ms: 10_000 });
    const answer = sendDm(sidecar, "cut by the operator").catch((e: Error) => e);
    await until(() => (upstream.sandbox.stats.calls["direct_messages/events/new"] ?? 0) > 0, "the send to reach the upstream");
    sidecar.child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 1_200));
    const before = Date.now();
    sidecar.child.kill("SIGINT");
    expect((await sidecar.exited).code).toBe(1);
    expect(Date.now() - before).toBeLessThan(2_000);
    expect(sidecar.printed()).toMatch(/"event":"drain_aborted","signal":"SIGINT","in_flight":1/);
    expect(await answer).toBeInstanceOf(Error);
  });

  it("exits 1 at SHUTDOWN_TIMEOUT_MS when a request outlives it", async () => {
    const upstream = await startSandboxUpstream();
    closers.push(upstream.close);
    upstream.sandbox.setFault("direct_messages/events/new", { kind: "delay", ms: 10_000 });
    const sidecar = await startSidecar({ UPSTREAM_URL: upstream.url, DM_PROXY_CREDENTIALS: JSON.stringify(DEMO_CREDENTIALS), SHUTDOWN_TIMEOUT_MS: "500" });
    void sendDm(sidecar, "outlives the drain").catch(() => {});
    await until(() => (upstream.sandbox.stats.calls["direct_messages/events/new"] ?? 0) > 0, "the send to reach the upstream");
    const signalled = Date.now();
    sidecar.child.kill("SIGTERM");
    expect((await sidecar.exited).code).toBe(1);
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(450);
    expect(sidecar.printed()).toMatch(/"event":"drain_timeout","in_flight":1/);
  });
});

describe("an upstream that writes an unasked 100 Continue before its answer", () => {
  it("the client gets its 200 once, and the message was sent once", async () => {
    const upstream = await startSandboxUpstream();
    closers.push(upstream.close);
    const sandboxListener = getRequestListener(upstream.sandbox.fetch);
    const interim: Server = createServer((req, res) => {
      res.writeContinue();
      void sandboxListener(req, res);
    });
    await new Promise<void>((r) => interim.listen(0, "127.0.0.1", r));
    closers.push(() => new Promise((r) => interim.close(() => r())));
    const sidecar = await startSidecar({
      UPSTREAM_URL: `http://127.0.0.1:${(interim.address() as AddressInfo).port}`,
      DM_PROXY_CREDENTIALS: JSON.stringify(DEMO_CREDENTIALS),
    });
    const response = await sendDm(sidecar, "after a 100 Continue");
    expect(response.status).toBe(200);
    // Both lookups (the recipient's name, the sender's id) came after a 100 too.
    expect(await response.json()).toMatchObject({ recipient_screen_name: "dougw", sender_screen_name: "s0c1alm3dia" });
    expect(upstream.sandbox.stats.events.map((e) => e.text)).toEqual(["after a 100 Continue"]);
  });
});
