/**
 * `npm run bench:ab -- <checkout> <checkout> [...] [--slices 10] [--seconds 3]`: the CPU per message of two or more
 * checkouts of dm-bridge, measured side by side. This machine's speed drifts by 10–20% within minutes, more than
 * most changes are worth, so one run of `npm run bench` per version cannot tell them apart. Here every version's
 * sidecar runs at once, pinned to the same core, behind one upstream (the sandbox's answers replayed, as in `npm run bench`), and wrk drives them in turn in
 * short slices (order reversed every other slice): a drift lands on all of them alike. Each checkout needs its
 * `node_modules` (a symlink to this one's will do). A checkout may carry node flags or settings after `+` signs, to
 * compare settings of one build: `npm run bench:ab -- . .+--max-semi-space-size=4 .+METRICS=off`. Each sidecar's peak resident memory
 * (VmHWM) is printed with its CPU.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ensureTools } from "./machine";
import { LEGACY_BODY, signLegacyNow, writeRequestFile } from "./presign";
import { cpuTicksOf } from "./proc";
import { freePort, runCommand, sidecarArgs, sidecarEnv, startProcess, startSandboxUpstream, stopAll, waitForPort } from "./processes";
import { errorCount, parseWrkReport, wrkArgs } from "./wrk";

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: { slices: { type: "string", default: "10" }, seconds: { type: "string", default: "3" }, connections: { type: "string", default: "50" } },
});
if (positionals.length < 2) throw new Error("usage: npm run bench:ab -- <checkout> <checkout> [...] [--slices N] [--seconds S]");
const checkouts = positionals.map((p) => {
  const [path, ...extras] = p.split("+");
  const settings = Object.fromEntries(extras.filter((x) => !x.startsWith("-")).map((x) => x.split("=", 2)));
  return { label: p, path: resolve(path!), flags: extras.filter((x) => x.startsWith("-")), settings };
});
const [slices, seconds, connections] = [Number(opt.slices), Number(opt.seconds), Number(opt.connections)];
const ROOT = resolve(import.meta.dirname, "..");
const HZ = Number((await runCommand("getconf", ["CLK_TCK"])).trim());

ensureTools();
const dir = mkdtempSync(join(tmpdir(), "dm-bridge-ab-"));
process.on("SIGINT", () => (stopAll(), process.exit(130)));
try {
  const { port: upstreamPort } = await startSandboxUpstream("1", "fast");
  const sidecars: { checkout: string; port: number; pid: number; ticks: number; requests: number; perSlice: number[] }[] = [];
  for (const { label: checkout, path, flags, settings } of checkouts) {
    const port = await freePort();
    const child = startProcess(process.execPath, [...flags, ...sidecarArgs(path)], {
      cpus: "0",
      env: { ...sidecarEnv(port, upstreamPort), ...settings },
      quiet: true,
    });
    await waitForPort(port);
    sidecars.push({ checkout, port, pid: child.pid!, ticks: 0, requests: 0, perSlice: [] });
  }

  /** One slice of wrk against one sidecar, its requests signed just before; returns its CPU and requests. */
  async function slice(s: (typeof sidecars)[number], durationSec: number): Promise<{ ticks: number; requests: number }> {
    const url = `http://127.0.0.1:${s.port}/1.1/direct_messages/new.json`;
    const file = join(dir, `requests-${randomBytes(4).toString("hex")}.txt`);
    const sign = signLegacyNow(url);
    await writeRequestFile(file, 10_000 * durationSec + 5_000, sign, LEGACY_BODY, randomBytes(6).toString("hex"));
    const before = cpuTicksOf(s.pid);
    const args = wrkArgs({
      url,
      connections,
      threads: 1,
      durationSec,
      script: join(ROOT, "bench/requests.lua"),
      file,
      contentType: "application/x-www-form-urlencoded",
    });
    const report = parseWrkReport(await runCommand("wrk", args, "1"));
    const ticks = cpuTicksOf(s.pid) - before;
    rmSync(file);
    if (errorCount(report) > 0) throw new Error(`${s.checkout}: ${errorCount(report)} errors in a slice`);
    return { ticks, requests: report.requests };
  }

  for (const s of sidecars) await slice(s, 5); // warm-up: the JIT, the caches, the pool's connections
  for (let i = 0; i < slices; i++) {
    for (const s of i % 2 ? [...sidecars].reverse() : sidecars) {
      const { ticks, requests } = await slice(s, seconds);
      s.ticks += ticks;
      s.requests += requests;
      s.perSlice.push(((ticks / HZ) * 1e6) / requests);
    }
  }
  for (const s of sidecars) {
    const perSlice = s.perSlice.map((us) => us.toFixed(0)).join(" ");
    const peakMiB = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${s.pid}/status`, "utf8"))?.[1]) / 1024;
    console.log(
      `${s.checkout}: ${(((s.ticks / HZ) * 1e6) / s.requests).toFixed(0)} µs of CPU per message over ${s.requests} messages, peak RSS ${peakMiB.toFixed(0)} MiB; per slice ${perSlice}`,
    );
  }
} finally {
  stopAll();
  rmSync(dir, { recursive: true, force: true });
}
