/**
 * `npm run bench`: the native events/new call straight to the sandbox upstream, the same through nginx proxy_pass,
 * and the legacy call through dm-bridge, each driven by wrk with pre-signed one-use requests. See docs/benchmarks.md.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ensureTools, describeMachine } from "./machine";
import { nginxConfig } from "./nginx";
import { BENCH_RECIPIENT, BENCH_TEXT, createRequestSigner, DEMO_SIGNER, LEGACY_BODY, LEGACY_FORM, nodeHmacSha1, writeRequestFile } from "./presign";
import { childTicksOfSelf, cpuTicksOf, machineTicks, resetPeakRss, statusKbOf } from "./proc";
import { builtBenchEntry, freePort, runCommand, sidecarArgs, sidecarEnv, startProcess, startSandboxUpstream, stopAll, stopProcess, waitForPort } from "./processes";
import { computeRatios, formatRatios, formatTable, pickMedianRounds, summarize, PHASE_LABELS, type PhaseKey, type PhaseResult, type ProcessUse } from "./report";
import { parseWrkReport, wrkArgs } from "./wrk";
import { writeResultsDoc } from "./write-doc";

const { values: opt } = parseArgs({
  options: {
    duration: { type: "string", default: "20" },
    warmup: { type: "string", default: "5" },
    connections: { type: "string", default: "50" },
    threads: { type: "string", default: "1" },
    phases: { type: "string", default: "direct,nginx,proxy,node-hop" },
    rounds: { type: "string", default: "1" },
    name: { type: "string", default: "default" },
    "no-pin": { type: "boolean", default: false },
    "no-doc": { type: "boolean", default: false },
    "max-rate": { type: "string", default: "40000" },
    /** Extra node flags for the proxy, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it under load. */
    "proxy-node-args": { type: "string", default: "" },
  },
});
const durationSec = Number(opt.duration);
const warmupSec = Number(opt.warmup);
const connections = Number(opt.connections);
const phases = opt.phases.split(",").map((p) => p.trim()) as PhaseKey[];
if (phases.some((p) => !(p in PHASE_LABELS))) throw new Error(`--phases takes direct,nginx,proxy,node-hop`);
// The proxy refuses timestamps more than 300 s away; every file is stamped with the middle of its run.
if (!(durationSec > 0 && durationSec <= 540)) throw new Error("--duration must be 1 to 540 seconds");

// Layout on this 2-core machine: the hop under test (nginx, dm-bridge or the bare Node hop) alone on CPU 0; the upstream and wrk on CPU 1.
const CPUS = opt["no-pin"] ? { hop: undefined, upstream: undefined, wrk: undefined } : { hop: "0", upstream: "1", wrk: "1" };
const ROOT = resolve(import.meta.dirname, "..");
const LUA = join(ROOT, "bench/requests.lua");
const HZ = Number((await runCommand("getconf", ["CLK_TCK"])).trim());
const log = (s: string) => process.stderr.write(s + "\n");

interface Target {
  url: string;
  contentType: string;
  body: string;
  form?: [string, string][];
}

function targetOf(key: PhaseKey, port: number): Target {
  if (key === "proxy") {
    return {
      url: `http://127.0.0.1:${port}/1.1/direct_messages/new.json`,
      contentType: "application/x-www-form-urlencoded",
      body: LEGACY_BODY,
      form: LEGACY_FORM,
    };
  }
  const event = { event: { type: "message_create", message_create: { target: { recipient_id: BENCH_RECIPIENT.id }, message_data: { text: BENCH_TEXT } } } };
  return { url: `http://127.0.0.1:${port}/1.1/direct_messages/events/new.json`, contentType: "application/json", body: JSON.stringify(event) };
}

async function writeRequests(dir: string, target: Target, count: number, timestamp: number): Promise<string> {
  const file = join(dir, `requests-${randomBytes(4).toString("hex")}.txt`);
  const sign = createRequestSigner({ url: target.url, form: target.form, creds: DEMO_SIGNER, timestamp }, nodeHmacSha1);
  await writeRequestFile(file, count, sign, target.body, randomBytes(6).toString("hex"));
  return file;
}

async function drive(target: Target, file: string, seconds: number) {
  const args = wrkArgs({ url: target.url, connections, threads: Number(opt.threads), durationSec: seconds, script: LUA, file, contentType: target.contentType });
  return parseWrkReport(await runCommand("wrk", args, CPUS.wrk));
}

async function runPhase(key: PhaseKey, dir: string): Promise<PhaseResult> {
  const { child: upstream, port: upstreamPort } = await startSandboxUpstream(CPUS.upstream);
  let hop: ReturnType<typeof startProcess> | undefined;
  let port = upstreamPort;
  if (key === "nginx") {
    port = await freePort();
    const ndir = join(dir, `nginx-${port}`);
    mkdirSync(ndir, { recursive: true });
    writeFileSync(join(ndir, "nginx.conf"), nginxConfig({ dir: ndir, listenPort: port, upstreamPort }));
    hop = startProcess("nginx", ["-p", ndir, "-c", join(ndir, "nginx.conf")], { cpus: CPUS.hop });
    await waitForPort(port);
  } else if (key === "node-hop") {
    port = await freePort();
    hop = startProcess(process.execPath, [await builtBenchEntry("node-hop"), String(port), String(upstreamPort)], { cpus: CPUS.hop });
    await waitForPort(port);
  } else if (key === "proxy") {
    port = await freePort();
    const env = sidecarEnv(port, upstreamPort);
    // The proxy's one log line per request goes to /dev/null: it is written (and paid for), not kept.
    const extra = opt["proxy-node-args"] ? ["--import", join(ROOT, "bench/exit-on-sigterm.mjs"), ...opt["proxy-node-args"].split(" ")] : [];
    hop = startProcess(process.execPath, [...extra, ...sidecarArgs(ROOT)], { cpus: CPUS.hop, env, quiet: true });
    await waitForPort(port);
  }
  try {
    const target = targetOf(key, port);
    const now = () => Math.floor(Date.now() / 1000);
    const maxRate = Number(opt["max-rate"]);
    const warmFile = await writeRequests(dir, target, Math.ceil(maxRate * warmupSec), now());
    const warm = await drive(target, warmFile, warmupSec);
    rmSync(warmFile);
    const warmRate = warm.requests / (warm.durationUs / 1e6);
    // Generous: the warm-up rate can be depressed by other load, and a file that runs out turns into refused replays.
    const count = Math.ceil(Math.max(warmRate * 2.5, 4_000) * durationSec) + 20_000;
    const file = await writeRequests(dir, target, count, now() + Math.floor(durationSec / 2));
    const pids = { hop: hop?.pid, upstream: upstream.pid! };
    const cpu0 = { hop: pids.hop && cpuTicksOf(pids.hop), upstream: cpuTicksOf(pids.upstream) };
    for (const pid of [pids.hop, pids.upstream]) if (pid) resetPeakRss(pid);
    const samples: { hop: number[]; upstream: number[] } = { hop: [], upstream: [] };
    const sample = () => {
      try {
        if (pids.hop) samples.hop.push(statusKbOf(pids.hop, "VmRSS"));
        samples.upstream.push(statusKbOf(pids.upstream, "VmRSS"));
      } catch {
        // The process is gone; its exit is reported, and the run fails when its CPU is read.
      }
    };
    sample();
    const sampler = setInterval(sample, sampleIntervalSec() * 1000);
    const [machine0, children0, self0] = [machineTicks(), childTicksOfSelf(), cpuTicksOf(process.pid)];
    const wrk = await drive(target, file, durationSec);
    if (wrk.requests > count) log(`WARNING: wrk sent ${wrk.requests} requests from a file of ${count}: the rest were replays, refused`);
    const [machine1, children1, self1] = [machineTicks(), childTicksOfSelf(), cpuTicksOf(process.pid)];
    clearInterval(sampler);
    sample();
    rmSync(file);
    const use = (pid: number, start: number, rss: number[]): ProcessUse => ({ cpuTicks: cpuTicksOf(pid) - start, peakRssKb: statusKbOf(pid, "VmHWM"), rssSamplesKb: rss });
    const hopUse = pids.hop ? use(pids.hop, cpu0.hop as number, samples.hop) : undefined;
    const upstreamUse = use(pids.upstream, cpu0.upstream, samples.upstream);
    const wrkTicks = children1 - children0;
    const ours = (hopUse?.cpuTicks ?? 0) + upstreamUse.cpuTicks + wrkTicks + (self1 - self0);
    // The machine is shared: whatever else ran during the measurement competed for the same two cores.
    const elapsedSec = (machine1.total - machine0.total) / HZ / cpus().length;
    const otherLoadCores = Math.max(0, machine1.busy - machine0.busy - ours) / HZ / elapsedSec;
    return { key, wrk, hop: hopUse, upstream: upstreamUse, clockTicksPerSec: HZ, wrkCpuTicks: wrkTicks, otherLoadCores };
  } finally {
    if (hop) await stopProcess(hop);
    await stopProcess(upstream);
  }
}

const sampleIntervalSec = () => Math.max(1, Math.round(durationSec / 60));

process.on("SIGINT", () => (stopAll(), process.exit(130)));
ensureTools();
const dir = mkdtempSync(join(tmpdir(), "dm-bridge-bench-"));
const results: PhaseResult[] = [];
const rounds = Number(opt.rounds);
try {
  for (let round = 1; round <= rounds; round++) {
    for (const key of phases) {
      log(`round ${round}/${rounds}, ${PHASE_LABELS[key]}: ${warmupSec} s warm-up, ${durationSec} s measured, ${connections} connections…`);
      results.push(await runPhase(key, dir));
    }
  }
} finally {
  stopAll();
  rmSync(dir, { recursive: true, force: true });
}

const { rows, rounds: roundsLine } = pickMedianRounds(results.map(summarize));
const ratios = computeRatios(rows);
const machine = describeMachine(CPUS);
const table = formatTable(rows);
console.log(`\n${table}\n\n${formatRatios(ratios)}\n${rounds > 1 ? `${roundsLine} (the table shows each case's median round)\n` : ""}`);

if (!opt["no-doc"]) {
  const name = opt.name;
  const flags = [
    `--duration ${durationSec}`,
    `--phases ${phases.join(",")}`,
    ...(rounds > 1 ? [`--rounds ${rounds}`] : []),
    ...(name === "default" ? [] : [`--name ${name}`]),
    ...(opt["proxy-node-args"] ? [`"--proxy-node-args=${opt["proxy-node-args"]}"`] : []),
  ];
  const command = `npm run bench -- ${flags.join(" ")}`;
  writeResultsDoc({ root: ROOT, name, command, machine, durationSec, connections, rounds, roundsLine, sampleIntervalSec: sampleIntervalSec(), results, rows, ratios, table });
  log(`wrote docs/benchmarks.md (block ${name}) and docs/benchmarks/${name}.*`);
}
