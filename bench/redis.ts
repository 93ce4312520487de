import { spawn, type ChildProcess } from "node:child_process";
import { freePort, startProcess, waitForPort } from "./processes";

/**
 * The Redis commands seen while some messages went through, by name, most frequent first: those the replicas sent
 * (each a round trip) apart from those a Lua script ran inside Redis (no round trip of their own).
 */
export interface RedisCensus {
  sent: [string, number][];
  inScripts: [string, number][];
}

/** Reads `MONITOR` lines (`1764000000.123456 [0 127.0.0.1:40602] "set" "k" …`, `[0 lua]` for a script's own calls). */
export function parseMonitor(text: string): RedisCensus {
  const sent = new Map<string, number>();
  const inScripts = new Map<string, number>();
  for (const m of text.matchAll(/^\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]+)"/gm)) {
    const tally = m[1] === "lua" ? inScripts : sent;
    const name = m[2]!.toLowerCase();
    tally.set(name, (tally.get(name) ?? 0) + 1);
  }
  const sorted = (tally: Map<string, number>) => [...tally].sort((a, b) => b[1] - a[1]);
  return { sent: sorted(sent), inScripts: sorted(inScripts) };
}

/**
 * Runs `during` with `redis-cli MONITOR` attached and returns what it saw. MONITOR slows Redis down, so it watches
 * a run of its own, never a measured one.
 */
export async function monitorRedis<T>(port: number, during: () => Promise<T>): Promise<{ result: T; census: RedisCensus }> {
  const monitor: ChildProcess = spawn("redis-cli", ["-h", "127.0.0.1", "-p", String(port), "monitor"], { stdio: ["ignore", "pipe", "ignore"] });
  let out = "";
  const exited = new Promise((resolve) => monitor.once("exit", resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      monitor.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (/^OK\r?\n/.test(out)) resolve();
      });
      monitor.once("exit", () => reject(new Error(`redis-cli monitor ended before it started: ${out.slice(0, 500)}`)));
    });
    const result = await during();
    // The last commands' lines may still be on their way.
    await new Promise((r) => setTimeout(r, 200));
    return { result, census: parseMonitor(out) };
  } finally {
    monitor.kill("SIGTERM");
    await exited;
  }
}

/** A redis-server of the benchmark's own on a free loopback port, nothing written to disk, answering once this resolves. */
export async function startRedisServer(cpus?: string): Promise<{ child: ChildProcess; port: number; url: string }> {
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"];
  const child = startProcess("redis-server", args, { cpus, quiet: true });
  await waitForPort(port);
  return { child, port, url: `redis://127.0.0.1:${port}` };
}
