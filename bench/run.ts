/**
 * `npm run bench`: the native events/new call straight to the sandbox upstream, the same through nginx proxy_pass,
 * and the legacy call through dm-bridge (one process, one on Redis, WEB_CONCURRENCY=2 on Redis), each driven by wrk
 * with pre-signed one-use requests. See docs/benchmarks.md.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ensureTools, describeMachine } from "./machine";
import { nginxConfig } from "./nginx";
import { BENCH_RECIPIENT, BENCH_TEXT, createRequestSigner, DEMO_SIGNER, LEGACY_BODY, LEGACY_FORM, nodeHmacSha1, writeRequestFile } from "./presign";
import { childPidsOf, childTicksOfSelf, cpuTicksOf, machineTicks, processTree, resetPeakRss, statusKbOf, ticksSpent, treeTicksOf } from "./proc";
import {
  builtBenchEntry,
  freePort,
  runCommand,
  sidecarArgs,
  sidecarEnv,
  startProcess,
  startSandboxUpstream,
  stopAll,
  stopProcess,
  translationAloneUs,
  waitForPort,
} from "./processes";
import { monitorRedis, startRedisServer } from "./redis";
import {
  CLUSTER_WORKERS,
  computeRatios,
  formatRatios,
  formatScaleOut,
  formatTable,
  pickMedianRounds,
  summarize,
  PHASE_LABELS,
  type PhaseKey,
  type PhaseResult,
  type ProcessUse,
} from "./report";
import { errorCount, parseWrkReport, wrkArgs, type WrkReport } from "./wrk";
import { writeResultsDoc } from "./write-doc";

const { values: opt } = parseArgs({
  options: {
    duration: { type: "string", default: "20" },
    warmup: { type: "string", default: "5" },
    connections: { type: "string", default: "50" },
    threads: { type: "string", default: "1" },
    phases: { type: "string", default: "direct,nginx,proxy,node-hop,proxy-redis,proxy-cluster" },
    rounds: { type: "string", default: "1" },
    name: { type: "string", default: "default" },
    "no-pin": { type: "boolean", default: false },
    "no-doc": { type: "boolean", default: false },
    "max-rate": { type: "string", default: "40000" },
    /** `fast`: the sandbox's first answer to each URL replayed from memory, so that the hop is what is measured; `sandbox`: every request verified. */
    upstream: { type: "string", default: "fast" },
    /** Extra node flags for every dm-bridge case, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it under load. */
    "proxy-node-args": { type: "string", default: "" },
    /** DM_DAILY_LIMIT_PER_USER of every dm-bridge case (0: none), so that each checks a budget per message, in memory or in Redis. */
    "daily-limit": { type: "string", default: "10000000" },
    /** Where the WEB_CONCURRENCY case's primary and workers may run (taskset -c). */
    "cluster-cpus": { type: "string", default: "0,1" },
    /** A run at one connection after each measured one, for the latency of a request that waits for no other (0: none). */
    "idle-seconds": { type: "string", default: "3" },
    /** µs of pure work the bare Node hop (d) spins on each request before passing it on (0: none). */
    "hop-work-us": { type: "string", default: "0" },
    /** Messages of the translation alone (bench/translation-alone.ts), once a round beside case (d) (0: none). */
    "translation-messages": { type: "string", default: "20000" },
  },
});
const durationSec = Number(opt.duration);
const warmupSec = Number(opt.warmup);
const connections = Number(opt.connections);
const upstreamMode = opt.upstream as "fast" | "sandbox";
if (upstreamMode !== "fast" && upstreamMode !== "sandbox") throw new Error("--upstream takes fast or sandbox");
const phases = opt.phases.split(",").map((p) => p.trim()) as PhaseKey[];
if (phases.some((p) => !(p in PHASE_LABELS))) throw new Error(`--phases takes ${Object.keys(PHASE_LABELS).join(",")}`);
const dailyLimit = Number(opt["daily-limit"]);
if (!(Number.isInteger(dailyLimit) && dailyLimit >= 0)) throw new Error("--daily-limit must be a whole number (0: no limit)");
const hopWorkUs = Number(opt["hop-work-us"]);
if (!(hopWorkUs >= 0 && hopWorkUs <= 100_000)) throw new Error("--hop-work-us must be 0 to 100000");
const translationMessages = Number(opt["translation-messages"]);
if (!(Number.isInteger(translationMessages) && translationMessages >= 0)) throw new Error("--translation-messages must be a whole number (0: none)");
// A hop that spins is no longer the floor that issue 17 measures against: its figures must not land in the results.
if (hopWorkUs > 0 && !opt["no-doc"] && opt.name === "default") throw new Error("--hop-work-us needs --no-doc or a --name of its own");
const idleSec = Number(opt["idle-seconds"]);
if (!(idleSec >= 0 && idleSec <= 60)) throw new Error("--idle-seconds must be 0 to 60");
const withRedis = (key: PhaseKey) => key === "proxy-redis" || key === "proxy-cluster";
const isSidecar = (key: PhaseKey) => key === "proxy" || withRedis(key);
// The proxy refuses timestamps more than 300 s away; every file is stamped with the middle of its run.
if (!(durationSec > 0 && durationSec <= 540)) throw new Error("--duration must be 1 to 540 seconds");

// Layout on this 2-core machine: the hop under test (nginx, dm-bridge or the bare Node hop) alone on CPU 0; the upstream,
// wrk and redis-server on CPU 1. A cluster pinned to CPU 0 alone could only show what forking costs; given both cores,
// its second worker takes what the upstream, wrk and Redis leave of CPU 1 (see docs/benchmarks.md).
const CPUS = opt["no-pin"]
  ? { hop: undefined, upstream: undefined, wrk: undefined, cluster: undefined }
  : { hop: "0", upstream: "1", wrk: "1", cluster: opt["cluster-cpus"] };
const ROOT = resolve(import.meta.dirname, "..");
const LUA = join(ROOT, "bench/requests.lua");
const HZ = Number((await runCommand("getconf", ["CLK_TCK"])).trim());
const log = (s: string) => process.stderr.write(`${s}\n`);

interface Target {
  url: string;
  contentType: string;
  body: string;
  form?: [string, string][];
}

function targetOf(key: PhaseKey, port: number): Target {
  if (isSidecar(key)) {
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

async function drive(target: Target, file: string, seconds: number, conns = connections) {
  const args = wrkArgs({
    url: target.url,
    connections: conns,
    threads: Number(opt.threads),
    durationSec: seconds,
    script: LUA,
    file,
    contentType: target.contentType,
  });
  return parseWrkReport(await runCommand("wrk", args, CPUS.wrk));
}

/** The settings of a dm-bridge case beyond the demo credentials and the upstream. */
function sidecarSettings(key: PhaseKey, redisUrl: string | undefined): NodeJS.ProcessEnv {
  return {
    ...(dailyLimit > 0 ? { DM_DAILY_LIMIT_PER_USER: String(dailyLimit) } : {}),
    // Required: a Redis that failed would otherwise let the case go on, unshared, and measure the wrong thing.
    ...(redisUrl ? { REDIS_URL: redisUrl, SHARED_STATE_REQUIRED: "true" } : {}),
    ...(key === "proxy-cluster" ? { WEB_CONCURRENCY: String(CLUSTER_WORKERS) } : {}),
  };
}

async function waitForProcesses(root: number, count: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (processTree(root, childPidsOf).length < count) {
    if (Date.now() > deadline) throw new Error(`pid ${root} has not started ${count - 1} workers after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sumKb = (pids: readonly number[], field: "VmHWM" | "VmRSS") => pids.reduce((sum, pid) => sum + statusKbOf(pid, field), 0);

/**
 * Watches a process and its descendants (a cluster's primary and workers) through the measured run: CPU, peak
 * resident set (reset now) and the resident set sampled, all summed over the processes.
 */
function watch(root: number) {
  const tree = () => processTree(root, childPidsOf);
  const start = treeTicksOf(root);
  for (const pid of start.keys()) resetPeakRss(pid);
  const rss: number[] = [];
  return {
    sample() {
      try {
        rss.push(sumKb(tree(), "VmRSS"));
      } catch {
        // A process is gone; its exit is reported, and the run fails when the root's CPU is read.
      }
    },
    ticksNow(): { ticks: number; each: number[] } {
      const end = treeTicksOf(root);
      if (!end.has(root)) throw new Error(`pid ${root} ended during the measurement`);
      const { ticks, each, gone } = ticksSpent(start, end);
      if (gone.length) log(`WARNING: pid ${gone.join(", ")} under ${root} ended during the measurement: its CPU is not counted`);
      return { ticks, each };
    },
    use(spent: { ticks: number; each: number[] }): ProcessUse {
      const each = spent.each.length > 1 ? { cpuTicksEach: spent.each } : {};
      return { cpuTicks: spent.ticks, ...each, peakRssKb: sumKb(tree(), "VmHWM"), rssSamplesKb: rss };
    },
  };
}

async function runPhase(key: PhaseKey, dir: string): Promise<PhaseResult> {
  const { child: upstream, port: upstreamPort } = await startSandboxUpstream(CPUS.upstream, upstreamMode);
  const redis = withRedis(key) ? await startRedisServer(CPUS.upstream) : undefined;
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
    hop = startProcess(process.execPath, [await builtBenchEntry("node-hop"), String(port), String(upstreamPort), opt["hop-work-us"]], { cpus: CPUS.hop });
    await waitForPort(port);
  } else if (isSidecar(key)) {
    port = await freePort();
    const env = { ...sidecarEnv(port, upstreamPort), ...sidecarSettings(key, redis?.url) };
    // The proxy's one log line per request goes to /dev/null: it is written (and paid for), not kept.
    const extra = opt["proxy-node-args"] ? ["--import", join(ROOT, "bench/exit-on-sigterm.mjs"), ...opt["proxy-node-args"].split(" ")] : [];
    const cluster = key === "proxy-cluster";
    hop = startProcess(process.execPath, [...extra, ...sidecarArgs(ROOT)], { cpus: cluster ? CPUS.cluster : CPUS.hop, env, quiet: true });
    await waitForPort(port);
    if (cluster) await waitForProcesses(hop.pid!, CLUSTER_WORKERS + 1);
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
    const watched = { hop: hop && watch(hop.pid!), upstream: watch(upstream.pid!), redis: redis && watch(redis.child.pid!) };
    const sample = () => {
      for (const w of Object.values(watched)) w?.sample();
    };
    sample();
    const sampler = setInterval(sample, sampleIntervalSec() * 1000);
    const [machine0, children0, self0] = [machineTicks(), childTicksOfSelf(), cpuTicksOf(process.pid)];
    const wrk = await drive(target, file, durationSec);
    if (wrk.requests > count) log(`WARNING: wrk sent ${wrk.requests} requests from a file of ${count}: the rest were replays, refused`);
    if (errorCount(wrk) > 0) log(`WARNING: ${key}: ${errorCount(wrk)} errors (${describeErrors(wrk)})`);
    const none = { ticks: 0, each: [] };
    const ticks = { hop: watched.hop?.ticksNow() ?? none, upstream: watched.upstream.ticksNow(), redis: watched.redis?.ticksNow() ?? none };
    const [machine1, children1, self1] = [machineTicks(), childTicksOfSelf(), cpuTicksOf(process.pid)];
    clearInterval(sampler);
    sample();
    rmSync(file);
    const hopUse = watched.hop?.use(ticks.hop);
    const [upstreamUse, redisUse] = [watched.upstream.use(ticks.upstream), watched.redis?.use(ticks.redis)];
    const wrkTicks = children1 - children0;
    const ours = ticks.hop.ticks + ticks.upstream.ticks + ticks.redis.ticks + wrkTicks + (self1 - self0);
    // The machine is shared: whatever else ran during the measurement competed for the same two cores.
    const elapsedSec = (machine1.total - machine0.total) / HZ / cpus().length;
    const otherLoadCores = Math.max(0, machine1.busy - machine0.busy - ours) / HZ / elapsedSec;
    const idle = idleSec > 0 ? await driveOneConnection(target, dir, idleSec) : undefined;
    const redisCensus = redis && (await countRedisCommands(target, dir, redis.port));
    return {
      key,
      wrk,
      hop: hopUse,
      upstream: upstreamUse,
      redis: redisUse,
      redisCensus,
      idle,
      clockTicksPerSec: HZ,
      wrkCpuTicks: wrkTicks,
      otherLoadCores,
    };
  } finally {
    if (hop) await stopProcess(hop);
    if (redis) await stopProcess(redis.child);
    await stopProcess(upstream);
  }
}

const describeErrors = (r: WrkReport) =>
  Object.entries(r.errors)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind === "status" ? "non-2xx answers" : kind} ${n}`)
    .join(", ");

/** One connection, one request at a time, after the measured run: the latency of a request that waits for no other. */
async function driveOneConnection(target: Target, dir: string, seconds: number) {
  const file = await writeRequests(dir, target, 10_000 * seconds + 5_000, Math.floor(Date.now() / 1000));
  const report = await drive(target, file, seconds, 1);
  rmSync(file);
  if (errorCount(report) > 0) log(`WARNING: ${errorCount(report)} errors in a one-connection run (${describeErrors(report)})`);
  return report;
}

/** The Redis commands of a second of messages, under MONITOR (which slows Redis: never during a measured run). */
async function countRedisCommands(target: Target, dir: string, port: number): Promise<PhaseResult["redisCensus"]> {
  const { result, census } = await monitorRedis(port, () => driveOneConnection(target, dir, 1));
  return { requests: result.requests - result.errors.status, ...census };
}

const sampleIntervalSec = () => Math.max(1, Math.round(durationSec / 60));

process.on("SIGINT", () => (stopAll(), process.exit(130)));
ensureTools(["nginx", "wrk", "taskset", ...(phases.some(withRedis) ? ["redis-server", "redis-cli"] : [])]);
const dir = mkdtempSync(join(tmpdir(), "dm-bridge-bench-"));
const results: PhaseResult[] = [];
const rounds = Number(opt.rounds);
const translationUs: number[] = [];
try {
  for (let round = 1; round <= rounds; round++) {
    for (const key of phases) {
      log(`round ${round}/${rounds}, ${PHASE_LABELS[key]}: ${warmupSec} s warm-up, ${durationSec} s measured, ${connections} connections…`);
      results.push(await runPhase(key, dir));
      if (key === "node-hop" && translationMessages > 0) {
        log(`round ${round}/${rounds}, the translation alone: ${translationMessages} messages warm-up, ${translationMessages} measured…`);
        translationUs.push(await translationAloneUs(translationMessages, dailyLimit, CPUS.hop));
      }
    }
  }
} finally {
  stopAll();
  rmSync(dir, { recursive: true, force: true });
}

const { rows, rounds: roundsLine } = pickMedianRounds(results.map(summarize));
// Against a spinning hop no ratio is the issue's: only the rows are printed.
const ratios = computeRatios(
  hopWorkUs > 0 ? rows.filter((r) => r.key !== "node-hop") : rows,
  translationUs.length ? translationUs.sort((a, b) => a - b)[(translationUs.length - 1) >> 1] : undefined,
);
const machine = describeMachine(CPUS, phases.some(withRedis));
const table = formatTable(rows);
const scaleOut = formatScaleOut(rows, ratios, connections);
const upstreamSays =
  upstreamMode === "fast"
    ? "the upstream replays the sandbox's first verified answer to each URL from memory"
    : "the upstream is the sandbox, verifying every request";
const hopWork = hopWorkUs > 0 && phases.includes("node-hop") ? `the bare Node hop spins ${hopWorkUs} µs on each request (--hop-work-us); ` : "";
const settings = `${phases.some(isSidecar) ? `dm-bridge cases: DM_DAILY_LIMIT_PER_USER=${dailyLimit || "unset"}; ` : ""}${hopWork}${upstreamSays}; ${machine.layout}\n`;
console.log(
  `\n${table}\n\n${formatRatios(ratios)}\n${scaleOut.map((l) => `${l}\n`).join("")}${settings}${rounds > 1 ? `${roundsLine} (the table shows each case's median round)\n` : ""}`,
);

if (!opt["no-doc"]) {
  const name = opt.name;
  const flags = [
    `--duration ${durationSec}`,
    `--phases ${phases.join(",")}`,
    ...(rounds > 1 ? [`--rounds ${rounds}`] : []),
    ...(name === "default" ? [] : [`--name ${name}`]),
    ...(opt["proxy-node-args"] ? [`"--proxy-node-args=${opt["proxy-node-args"]}"`] : []),
    ...(dailyLimit !== 10_000_000 ? [`--daily-limit ${dailyLimit}`] : []),
    ...(opt["cluster-cpus"] !== "0,1" ? [`--cluster-cpus ${opt["cluster-cpus"]}`] : []),
    ...(opt["no-pin"] ? ["--no-pin"] : []),
    ...(upstreamMode !== "fast" ? [`--upstream ${upstreamMode}`] : []),
    ...(idleSec !== 3 ? [`--idle-seconds ${idleSec}`] : []),
    ...(translationMessages !== 20_000 ? [`--translation-messages ${translationMessages}`] : []),
    ...(opt["hop-work-us"] !== "0" ? [`--hop-work-us ${opt["hop-work-us"]}`] : []),
  ];
  const command = `npm run bench -- ${flags.join(" ")}`;
  writeResultsDoc({
    root: ROOT,
    name,
    command,
    machine,
    durationSec,
    connections,
    rounds,
    roundsLine,
    sampleIntervalSec: sampleIntervalSec(),
    results,
    rows,
    ratios,
    table,
  });
  log(`wrote docs/benchmarks.md (block ${name}) and docs/benchmarks/${name}.*`);
}
