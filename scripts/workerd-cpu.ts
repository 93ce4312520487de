// What `npm run measure:cpu` and `npm run measure:cpu:ab` share: reading workerd's CPU time from /proc, and the
// bench Worker (scripts/cpu-bench-worker.ts) of a checkout, bundled as `wrangler deploy` would bundle it.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { BenchRequest } from "./cpu-bench-worker";
import type { WorkerBundle } from "./worker-bundle";

/** The workerd process Miniflare started for this Node process. */
export function workerdPid(): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (comm === "workerd" && ppid === process.pid) return Number(entry);
    } catch {
      // A process that ended while we looked.
    }
  }
  throw new Error("no workerd child process found");
}

/** Nanoseconds on CPU, all threads of the process. */
export function cpuNs(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
  }
  return total;
}

/**
 * The bench Worker of the checkout at `root`, bundled by that checkout's own scripts/worker-bundle.ts with its
 * wrangler.toml's settings and another entry point: what its createApp costs, built the way it deploys.
 */
export async function buildBenchBundle(root: string): Promise<WorkerBundle> {
  const dir = resolve(root, ".wrangler/cpu-bench-config");
  mkdirSync(dir, { recursive: true });
  const entry = resolve(root, "scripts/cpu-bench-worker.ts");
  const toml = readFileSync(join(root, "wrangler.toml"), "utf8").replace(/^main = .*$/m, `main = ${JSON.stringify(entry)}`);
  writeFileSync(join(dir, "wrangler.toml"), toml.replace(/^name = .*$/m, 'name = "dm-bridge-cpu-bench"'));
  const { buildWorkerBundle } = (await import(resolve(root, "scripts/worker-bundle.ts"))) as typeof import("./worker-bundle");
  return buildWorkerBundle(join(root, ".wrangler/cpu-bench"), join(dir, "wrangler.toml"));
}

/** The body of one bench request: `n` signed requests, each as the Worker would receive it over HTTP. */
export async function benchBatch(n: number, make: (i: number) => Request): Promise<string> {
  const batch: BenchRequest[] = [];
  for (let i = 0; i < n; i++) {
    const r = make(i);
    const body = await r.text();
    // workerd shows a request that came over HTTP with its Content-Length (Miniflare's dispatchFetch drops it), and
    // the body is read in one piece when it is there: a request built here without it would take the stream reader.
    const length = new TextEncoder().encode(body).byteLength;
    batch.push({ url: r.url, headers: [...r.headers, ["content-length", String(length)]], body });
  }
  return JSON.stringify(batch);
}

/** workerd's CPU time while one bench Worker translates the batch, per request, in milliseconds. */
export async function batchCpuMs(dispatch: (body: string) => Promise<{ status: number; text(): Promise<string> }>, body: string, n: number): Promise<number> {
  const pid = workerdPid();
  const start = cpuNs(pid);
  const res = await dispatch(body);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`bench Worker: ${text}`);
  return (cpuNs(pid) - start) / n / 1e6;
}

export const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
