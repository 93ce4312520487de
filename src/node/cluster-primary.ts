import cluster, { type Worker } from "node:cluster";
import type { Config } from "../config";
import { createLineLog } from "../http/line-log";
import { describeSandboxDemo } from "../sandbox/demo-banner";
import { REPEATED_SIGNAL_MS } from "./graceful-drain";
import { serveClusterScrapes } from "./prometheus";

/** Sent by the primary to each worker when it is told to stop; a worker drains as on its own signal. */
export const DRAIN_MESSAGE = "dm-bridge:drain";

/** A worker that dies sooner than this after its start is replaced only after this delay, so a crash loop stays slow. */
const CRASH_LOOP_MS = 1_000;

/**
 * WEB_CONCURRENCY > 1: the primary forks that many workers, which share the port (node:cluster), replaces a worker
 * that dies, sums their metrics for a scrape, and on SIGTERM or SIGINT drains every worker and exits when all have
 * (0 if every worker drained cleanly).
 */
export function runClusterPrimary(config: Config, workers: number): void {
  const { log, flush } = createLineLog((text) => process.stdout.write(text), setImmediate, Date.now);
  const exit = (code: number) => {
    flush();
    process.exit(code);
  };
  const startedAt = new Map<Worker, number>();
  let stoppingSince: number | undefined;
  let worstExit = 0;
  let listening = 0;

  function fork(): void {
    const worker = cluster.fork();
    startedAt.set(worker, Date.now());
    worker.once("listening", (address) => {
      if (++listening !== workers) return;
      const url = `http://localhost:${address.port}`;
      log({ event: "ready", url, workers, upstream: config.upstreamUrl ?? "sandbox", api: config.upstreamApi });
      flush();
      if (!config.upstreamUrl) console.log(describeSandboxDemo(url));
    });
  }

  cluster.on("exit", (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker) ?? 0);
    startedAt.delete(worker);
    if (stoppingSince !== undefined) {
      if (code !== 0) worstExit = 1;
      if (startedAt.size === 0) exit(worstExit);
      return;
    }
    log({ level: "warn", event: "worker_exit", pid: worker.process.pid, code: code ?? undefined, signal: signal ?? undefined, replaced: "yes" });
    setTimeout(fork, lived < CRASH_LOOP_MS ? CRASH_LOOP_MS : 0);
  });

  function stop(signal: string): void {
    const now = Date.now();
    if (stoppingSince !== undefined) {
      if (now - stoppingSince < REPEATED_SIGNAL_MS) return;
      log({ level: "warn", event: "drain_aborted", signal, workers: startedAt.size });
      for (const worker of startedAt.keys()) worker.process.kill("SIGKILL");
      exit(1);
      return;
    }
    stoppingSince = now;
    log({ event: "draining", signal, workers: startedAt.size });
    if (startedAt.size === 0) exit(0);
    // The signal may have reached the primary alone (kill <pid>): each worker is told; one that also got the signal
    // from its process group takes the second as the same stop.
    for (const worker of startedAt.keys()) if (worker.isConnected()) worker.send({ type: DRAIN_MESSAGE, signal });
    // The workers keep their own deadline; this one is for a worker that cannot keep it.
    setTimeout(() => {
      log({ level: "warn", event: "drain_timeout", workers: startedAt.size });
      for (const worker of startedAt.keys()) worker.process.kill("SIGKILL");
      exit(1);
    }, config.shutdownTimeoutMs + 1_000).unref();
  }

  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => stop(signal));
  if (config.metrics.enabled) serveClusterScrapes();
  for (let i = 0; i < workers; i++) fork();
}
