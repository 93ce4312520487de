import cluster from "node:cluster";
import { createHmac, randomFillSync } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createAppFromConfig, dailyLimitsOf } from "../app-from-config";
import { createMemorySendBudget } from "../auth/send-budget";
import type { Config } from "../config";
import { createLineLog } from "../http/line-log";
import { createRandomIdPool } from "../oauth/random-pool";
import { describeSandboxDemo } from "../sandbox/demo-banner";
import { createUndiciFetch } from "../upstream/undici-fetch";
import { DRAIN_MESSAGE } from "./cluster-primary";
import { createGracefulDrain } from "./graceful-drain";
import { createNodeListener } from "./node-listener";
import { createPrometheusMetrics } from "./prometheus";

const STOP_SIGNALS = ["SIGTERM", "SIGINT"] as const;

/**
 * The Node sidecar: the app wired to Node's crypto, undici and the configured stores, served on `config.port`, with
 * Prometheus metrics and a graceful drain on SIGTERM and SIGINT.
 */
export async function runSidecar(config: Config): Promise<void> {
  const hmac = (key: string, data: string) => createHmac("sha1", key).update(data).digest("base64");
  const randomId = createRandomIdPool((bytes) => randomFillSync(bytes));
  const { log, flush } = createLineLog((text) => process.stdout.write(text), setImmediate, Date.now);
  process.on("exit", flush);

  let upstreamUrl = config.upstreamUrl;
  if (!upstreamUrl) {
    // Loaded only here, as Redis below: a sidecar with a real upstream never loads the sandbox's code.
    const { createSandbox } = await import("../sandbox/sandbox-app");
    const { createAdaptorServer } = await import("@hono/node-server");
    const sandbox = createSandbox({ hmac, clock: Date.now });
    // Exclusive: in a cluster worker a plain listen would share port 0 with the proxy's own through the primary.
    const server = createAdaptorServer({ fetch: sandbox.fetch });
    await new Promise<void>((resolve) => server.listen({ port: 0, host: "127.0.0.1", exclusive: true }, resolve));
    upstreamUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const drain = createGracefulDrain({
    timeoutMs: config.shutdownTimeoutMs,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    clock: Date.now,
    log,
    exit: (code) => {
      flush();
      process.exit(code);
    },
  });
  const metrics = config.metrics.enabled ? createPrometheusMetrics() : undefined;
  // ioredis is loaded only with REDIS_URL: about 20 MB resident that a single process has no use for.
  const shared =
    config.redis &&
    (await import("../shared-state/redis-shared-state")).createRedisSharedState({
      ...config.redis,
      required: config.sharedStateRequired,
      log,
      clock: Date.now,
    });
  // Start in a known state: shared, or degraded (logged) when Redis cannot be reached now.
  await shared?.ready;
  const limits = dailyLimitsOf(config);

  const app = createAppFromConfig(config, {
    fetch: createUndiciFetch(),
    hmac,
    clock: Date.now,
    randomId,
    upstreamUrl,
    sendBudget: limits && (shared ? shared.sendBudget(limits) : createMemorySendBudget(limits, Date.now)),
    nonces: shared?.nonces,
    sharedUserStore: shared?.userStore,
    sharedState: shared,
    log,
    lifecycle: drain.lifecycle,
    observer: metrics?.observer,
    metrics: metrics && { token: config.metrics.token, render: metrics.render },
  });

  for (const signal of STOP_SIGNALS) process.on(signal, () => drain.drain(signal));
  // A cluster worker: the primary says when to drain, and says it is ready once every worker listens.
  if (cluster.isWorker) process.on("message", (m: { type?: string; signal?: string }) => m?.type === DRAIN_MESSAGE && drain.drain(m.signal ?? "SIGTERM"));

  const server = createServer(createNodeListener(app, log));
  server.listen(config.port, () => {
    if (cluster.isWorker) return;
    const url = `http://localhost:${(server.address() as AddressInfo).port}`;
    log({ event: "ready", url, upstream: config.upstreamUrl ? upstreamUrl : "sandbox", api: config.upstreamApi });
    flush();
    if (!config.upstreamUrl) console.log(describeSandboxDemo(url));
  });
  drain.track(server);
}
