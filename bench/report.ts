import type { RedisCensus } from "./redis";
import type { WrkReport } from "./wrk";
import { errorCount } from "./wrk";

export type PhaseKey = "direct" | "nginx" | "node-hop" | "proxy" | "proxy-redis" | "proxy-cluster";

/** What WEB_CONCURRENCY the proxy-cluster case runs with. */
export const CLUSTER_WORKERS = 2;

export const PHASE_LABELS: Record<PhaseKey, string> = {
  direct: "(a) events/new straight to the upstream",
  nginx: "(b) events/new through nginx proxy_pass",
  proxy: "(c) direct_messages/new through dm-bridge",
  "node-hop": "(d) events/new through a bare Node hop",
  "proxy-redis": "(e) as (c), state shared in Redis",
  "proxy-cluster": `(f) as (e), WEB_CONCURRENCY=${CLUSTER_WORKERS}`,
};

/** The dm-bridge cases, one process without Redis, one with, and the cluster on the same Redis. */
const SIDECAR_CASES = ["proxy", "proxy-redis", "proxy-cluster"] as const satisfies readonly PhaseKey[];

export interface ProcessUse {
  /** CPU ticks (utime + stime) spent during the measured run. */
  cpuTicks: number;
  /** The same by process, parent first, when there were several (a cluster's primary, then its workers). */
  cpuTicksEach?: number[];
  /** Peak resident set during the measured run (VmHWM after a reset), kB. */
  peakRssKb: number;
  /** Resident set sampled through the run, kB. */
  rssSamplesKb: number[];
}

export interface PhaseResult {
  key: PhaseKey;
  wrk: WrkReport;
  /** nginx or dm-bridge, all its processes together (a cluster's primary and workers); absent for the direct phase. */
  hop?: ProcessUse;
  /** The redis-server of the Redis cases. */
  redis?: ProcessUse;
  /** The Redis commands of `requests` messages, counted in a run of their own (bench/redis.ts). */
  redisCensus?: RedisCensus & { requests: number };
  /** A short run at one connection after the measured one: the latency of a request that waits for no other. */
  idle?: WrkReport;
  upstream: ProcessUse;
  clockTicksPerSec: number;
  /** CPU wrk itself spent. */
  wrkCpuTicks: number;
  /** Average cores kept busy by processes outside the benchmark during the measurement. */
  otherLoadCores: number;
}

export interface PhaseSummary {
  key: PhaseKey;
  requests: number;
  errors: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** p50 with one connection (the `idle` run). */
  p50IdleMs: number | undefined;
  hopCpuUsPerReq: number | undefined;
  upstreamCpuUsPerReq: number;
  /** By process, when the hop is several: the primary first, then each worker. */
  hopCpuUsEach: number[] | undefined;
  redisCpuUsPerReq: number | undefined;
  /** Redis round trips per message, and the commands by name ("set 1.00, eval 1.00; in scripts: hgetall 1.00"). */
  redisRoundTripsPerReq: number | undefined;
  redisCommandMix: string | undefined;
  hopPeakRssMb: number | undefined;
  hopRssFirstMb: number | undefined;
  hopRssLastMb: number | undefined;
  wrkCpuUsPerReq: number;
  otherLoadCores: number;
}

const perRequestUs = (ticks: number, hz: number, requests: number) => (requests === 0 ? NaN : ((ticks / hz) * 1e6) / requests);
const mb = (kb: number) => kb / 1024;

export function summarize(r: PhaseResult): PhaseSummary {
  const ok = r.wrk.requests - r.wrk.errors.status;
  const samples = r.hop?.rssSamplesKb ?? [];
  const census = r.redisCensus;
  return {
    key: r.key,
    requests: r.wrk.requests,
    errors: errorCount(r.wrk),
    rps: r.wrk.requests / (r.wrk.durationUs / 1e6),
    p50Ms: r.wrk.latencyUs.p50 / 1000,
    p99Ms: r.wrk.latencyUs.p99 / 1000,
    p50IdleMs: r.idle && r.idle.latencyUs.p50 / 1000,
    hopCpuUsPerReq: r.hop ? perRequestUs(r.hop.cpuTicks, r.clockTicksPerSec, ok) : undefined,
    upstreamCpuUsPerReq: perRequestUs(r.upstream.cpuTicks, r.clockTicksPerSec, ok),
    hopCpuUsEach: r.hop?.cpuTicksEach?.map((ticks) => perRequestUs(ticks, r.clockTicksPerSec, ok)),
    redisCpuUsPerReq: r.redis ? perRequestUs(r.redis.cpuTicks, r.clockTicksPerSec, ok) : undefined,
    redisRoundTripsPerReq: census && census.sent.reduce((sum, [, calls]) => sum + calls, 0) / census.requests,
    redisCommandMix: census && describeCensus(census),
    hopPeakRssMb: r.hop ? mb(r.hop.peakRssKb) : undefined,
    hopRssFirstMb: samples.length ? mb(samples[0]!) : undefined,
    hopRssLastMb: samples.length ? mb(samples[samples.length - 1]!) : undefined,
    wrkCpuUsPerReq: perRequestUs(r.wrkCpuTicks, r.clockTicksPerSec, r.wrk.requests),
    otherLoadCores: r.otherLoadCores,
  };
}

function describeCensus(c: RedisCensus & { requests: number }): string {
  const list = (tally: [string, number][]) => tally.map(([name, calls]) => `${name} ${(calls / c.requests).toFixed(2)}`).join(", ");
  return `${list(c.sent) || "none"}${c.inScripts.length ? `; in scripts: ${list(c.inScripts)}` : ""}`;
}

export interface Ratios {
  /** dm-bridge's CPU per message over the bare Node hop's (issue 17's measure: target ≤ 1.5). */
  proxyCpuOverNodeHop?: number;
  /** The translation alone (bench/translation-alone.ts), CPU µs per message, and that over the bare hop's whole CPU. */
  translationAloneUs?: number;
  translationOverNodeHop?: number;
  proxyOverNginx?: number;
  proxyOverDirect?: number;
  nginxOverDirect?: number;
  /** The bare Node hop's throughput over nginx's: what Node's own HTTP server and client leave of the target. */
  nodeHopOverNginx?: number;
  /** p99 of the proxy minus p99 of nginx, ms. */
  p99DeltaMs?: number;
  /** One process with Redis over one without, and the cluster over one process with Redis: throughput. */
  redisOverProxy?: number;
  clusterOverRedis?: number;
  /** What the Redis calls of a message add, from (c) against (e) of the same run. */
  redisTrip?: RedisTrip;
}

export interface RedisTrip {
  /** The sidecar's CPU per message with Redis minus without, µs. */
  sidecarCpuUs: number;
  /** redis-server's own CPU per message, µs. */
  redisServerCpuUs: number;
  roundTripsPerMessage: number;
  commandMix: string;
  /** p50 with Redis minus without: at one connection, and under the run's load (queueing included), ms. */
  p50IdleMs: number | undefined;
  p50LoadedMs: number;
}

export function computeRatios(rows: readonly PhaseSummary[], translationAloneUs?: number): Ratios {
  const by = (k: PhaseKey) => rows.find((r) => r.key === k);
  const [d, n, p, h] = [by("direct"), by("nginx"), by("proxy"), by("node-hop")];
  const hopCpu = h?.hopCpuUsPerReq;
  return {
    proxyCpuOverNodeHop: p?.hopCpuUsPerReq !== undefined && hopCpu ? p.hopCpuUsPerReq / hopCpu : undefined,
    translationAloneUs,
    translationOverNodeHop: translationAloneUs !== undefined && hopCpu ? translationAloneUs / hopCpu : undefined,
    proxyOverNginx: p && n ? p.rps / n.rps : undefined,
    proxyOverDirect: p && d ? p.rps / d.rps : undefined,
    nginxOverDirect: n && d ? n.rps / d.rps : undefined,
    nodeHopOverNginx: h && n ? h.rps / n.rps : undefined,
    p99DeltaMs: p && n ? p.p99Ms - n.p99Ms : undefined,
    ...scaleOutRatios(p, by("proxy-redis"), by("proxy-cluster")),
  };
}

function scaleOutRatios(p?: PhaseSummary, r?: PhaseSummary, c?: PhaseSummary): Pick<Ratios, "redisOverProxy" | "clusterOverRedis" | "redisTrip"> {
  const trip =
    p && r && p.hopCpuUsPerReq !== undefined && r.hopCpuUsPerReq !== undefined && r.redisCpuUsPerReq !== undefined
      ? {
          sidecarCpuUs: r.hopCpuUsPerReq - p.hopCpuUsPerReq,
          redisServerCpuUs: r.redisCpuUsPerReq,
          roundTripsPerMessage: r.redisRoundTripsPerReq ?? NaN,
          commandMix: r.redisCommandMix ?? "",
          p50IdleMs: r.p50IdleMs !== undefined && p.p50IdleMs !== undefined ? r.p50IdleMs - p.p50IdleMs : undefined,
          p50LoadedMs: r.p50Ms - p.p50Ms,
        }
      : undefined;
  return { redisOverProxy: p && r ? r.rps / p.rps : undefined, clusterOverRedis: r && c ? c.rps / r.rps : undefined, redisTrip: trip };
}

const fmt = (v: number | undefined, digits: number) => (v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits));

export function formatTable(rows: readonly PhaseSummary[]): string {
  const head =
    "| case | req/s | p50 ms | p99 ms | p50 ms, 1 conn. | hop CPU µs/req | Redis CPU µs/req | upstream CPU µs/req | wrk CPU µs/req | hop peak RSS MB | hop RSS first → last MB | errors | other load (cores) |";
  const lines = [head, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"];
  for (const r of rows) {
    const rss = r.hopRssFirstMb === undefined ? "–" : `${fmt(r.hopRssFirstMb, 1)} → ${fmt(r.hopRssLastMb, 1)}`;
    lines.push(
      `| ${PHASE_LABELS[r.key]} | ${fmt(r.rps, 0)} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ${fmt(r.p50IdleMs, 2)} | ${fmt(r.hopCpuUsPerReq, 0)} | ` +
        `${fmt(r.redisCpuUsPerReq, 0)} | ${fmt(r.upstreamCpuUsPerReq, 0)} | ${fmt(r.wrkCpuUsPerReq, 0)} | ${fmt(r.hopPeakRssMb, 1)} | ${rss} | ${r.errors} | ${fmt(r.otherLoadCores, 2)} |`,
    );
  }
  return lines.join("\n");
}

export function formatRatios(r: Ratios): string {
  const parts: string[] = [];
  if (r.proxyCpuOverNodeHop !== undefined) parts.push(`dm-bridge/bare Node hop CPU per message ${fmt(r.proxyCpuOverNodeHop, 2)} (target ≤ 1.5)`);
  if (r.translationAloneUs !== undefined) {
    const over = r.translationOverNodeHop === undefined ? "" : ` (${fmt(r.translationOverNodeHop, 2)} × the bare Node hop's whole CPU)`;
    parts.push(`the translation alone, in one process without sockets, ${fmt(r.translationAloneUs, 0)} µs CPU per message${over}`);
  }
  // Issue 7's targets (throughput against nginx, p99) were retired by issue 17; the figures stay for comparison.
  if (r.proxyOverNginx !== undefined) parts.push(`proxy/nginx throughput ${fmt(r.proxyOverNginx, 2)}`);
  if (r.proxyOverDirect !== undefined) parts.push(`proxy/direct throughput ${fmt(r.proxyOverDirect, 2)}`);
  if (r.nginxOverDirect !== undefined) parts.push(`nginx/direct throughput ${fmt(r.nginxOverDirect, 2)}`);
  if (r.nodeHopOverNginx !== undefined) parts.push(`bare Node hop/nginx throughput ${fmt(r.nodeHopOverNginx, 2)}`);
  if (r.p99DeltaMs !== undefined) parts.push(`proxy p99 − nginx p99 ${fmt(r.p99DeltaMs, 2)} ms`);
  if (r.redisOverProxy !== undefined) parts.push(`proxy with Redis/without throughput ${fmt(r.redisOverProxy, 2)}`);
  if (r.clusterOverRedis !== undefined) parts.push(`WEB_CONCURRENCY=${CLUSTER_WORKERS}/one process with Redis throughput ${fmt(r.clusterOverRedis, 2)}`);
  return parts.join("; ");
}

const signed = (v: number | undefined, digits: number) => (v !== undefined && v >= 0 ? "+" : "") + fmt(v, digits);

/**
 * The dm-bridge cases side by side (throughput and CPU per message), and what Redis adds to a message; empty when
 * the run had none of them. `connections` is the measured runs' concurrency.
 */
export function formatScaleOut(rows: readonly PhaseSummary[], r: Ratios, connections: number): string[] {
  const lines: string[] = [];
  for (const key of SIDECAR_CASES) {
    const row = rows.find((x) => x.key === key);
    if (!row) continue;
    const [primary, ...workers] = row.hopCpuUsEach ?? [];
    const processes = workers.length ? ` (the primary ${fmt(primary, 0)}, the workers ${workers.map((us) => fmt(us, 0)).join(" and ")})` : "";
    const redis = row.redisCpuUsPerReq === undefined ? "" : ` + ${fmt(row.redisCpuUsPerReq, 0)} µs redis-server`;
    lines.push(`${PHASE_LABELS[key]}: ${fmt(row.rps, 0)} req/s, CPU ${fmt(row.hopCpuUsPerReq, 0)} µs/message dm-bridge${processes}${redis}`);
  }
  const t = r.redisTrip;
  if (t) {
    const perTrip = t.roundTripsPerMessage > 0 ? `, about ${fmt((t.sidecarCpuUs + t.redisServerCpuUs) / t.roundTripsPerMessage, 0)} µs a round trip` : "";
    const idle = t.p50IdleMs === undefined ? "" : `${signed(t.p50IdleMs, 2)} ms at p50 with one connection, `;
    lines.push(
      `Redis adds ${signed(t.sidecarCpuUs, 0)} µs CPU per message (sidecar) + ${fmt(t.redisServerCpuUs, 0)} µs (redis-server), ` +
        `for ${fmt(t.roundTripsPerMessage, 2)} round trips a message (${t.commandMix || "not counted"})${perTrip}; ` +
        `${idle}${signed(t.p50LoadedMs, 2)} ms at p50 under ${connections} connections (queueing included)`,
    );
  }
  return lines;
}

/** Replaces the block between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, or appends it, keeping the rest. */
export function replaceBlock(doc: string, name: string, content: string): string {
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const block = `${open}\n${content.trim()}\n${close}`;
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  if (start < 0 || end < start) return `${doc.trimEnd()}\n\n${block}\n`.trimStart();
  return doc.slice(0, start) + block + doc.slice(end + close.length);
}

/**
 * With several rounds (the cases interleaved, to share whatever else the machine was doing), each case is
 * reported by its median round by throughput, and every round's throughput is listed next to it.
 */
export function pickMedianRounds(all: readonly PhaseSummary[]): { rows: PhaseSummary[]; rounds: string } {
  const keys = [...new Set(all.map((r) => r.key))];
  const rows: PhaseSummary[] = [];
  const parts: string[] = [];
  for (const key of keys) {
    const runs = all.filter((r) => r.key === key);
    const sorted = [...runs].sort((a, b) => a.rps - b.rps);
    rows.push(sorted[Math.floor((sorted.length - 1) / 2)]!);
    parts.push(`${key} ${runs.map((r) => r.rps.toFixed(0)).join(" / ")}`);
  }
  return { rows, rounds: `req/s per round: ${parts.join("; ")}` };
}
