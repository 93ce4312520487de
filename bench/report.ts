import type { WrkReport } from "./wrk";
import { errorCount } from "./wrk";

export type PhaseKey = "direct" | "nginx" | "node-hop" | "proxy";

export const PHASE_LABELS: Record<PhaseKey, string> = {
  direct: "(a) events/new straight to the upstream",
  nginx: "(b) events/new through nginx proxy_pass",
  proxy: "(c) direct_messages/new through dm-bridge",
  "node-hop": "(d) events/new through a bare Node hop",
};

export interface ProcessUse {
  /** CPU ticks (utime + stime) spent during the measured run. */
  cpuTicks: number;
  /** Peak resident set during the measured run (VmHWM after a reset), kB. */
  peakRssKb: number;
  /** Resident set sampled through the run, kB. */
  rssSamplesKb: number[];
}

export interface PhaseResult {
  key: PhaseKey;
  wrk: WrkReport;
  /** nginx or dm-bridge; absent for the direct phase. */
  hop?: ProcessUse;
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
  hopCpuUsPerReq: number | undefined;
  upstreamCpuUsPerReq: number;
  hopPeakRssMb: number | undefined;
  hopRssFirstMb: number | undefined;
  hopRssLastMb: number | undefined;
  wrkCpuUsPerReq: number;
  otherLoadCores: number;
}

const perRequestUs = (ticks: number, hz: number, requests: number) => (requests === 0 ? NaN : (ticks / hz) * 1e6 / requests);
const mb = (kb: number) => kb / 1024;

export function summarize(r: PhaseResult): PhaseSummary {
  const ok = r.wrk.requests - r.wrk.errors.status;
  const samples = r.hop?.rssSamplesKb ?? [];
  return {
    key: r.key,
    requests: r.wrk.requests,
    errors: errorCount(r.wrk),
    rps: r.wrk.requests / (r.wrk.durationUs / 1e6),
    p50Ms: r.wrk.latencyUs.p50 / 1000,
    p99Ms: r.wrk.latencyUs.p99 / 1000,
    hopCpuUsPerReq: r.hop ? perRequestUs(r.hop.cpuTicks, r.clockTicksPerSec, ok) : undefined,
    upstreamCpuUsPerReq: perRequestUs(r.upstream.cpuTicks, r.clockTicksPerSec, ok),
    hopPeakRssMb: r.hop ? mb(r.hop.peakRssKb) : undefined,
    hopRssFirstMb: samples.length ? mb(samples[0]!) : undefined,
    hopRssLastMb: samples.length ? mb(samples[samples.length - 1]!) : undefined,
    wrkCpuUsPerReq: perRequestUs(r.wrkCpuTicks, r.clockTicksPerSec, r.wrk.requests),
    otherLoadCores: r.otherLoadCores,
  };
}

export interface Ratios {
  proxyOverNginx?: number;
  proxyOverDirect?: number;
  nginxOverDirect?: number;
  /** The bare Node hop's throughput over nginx's: what Node's own HTTP server and client leave of the target. */
  nodeHopOverNginx?: number;
  /** p99 of the proxy minus p99 of nginx, ms. */
  p99DeltaMs?: number;
}

export function computeRatios(rows: readonly PhaseSummary[]): Ratios {
  const by = (k: PhaseKey) => rows.find((r) => r.key === k);
  const [d, n, p, h] = [by("direct"), by("nginx"), by("proxy"), by("node-hop")];
  return {
    proxyOverNginx: p && n ? p.rps / n.rps : undefined,
    proxyOverDirect: p && d ? p.rps / d.rps : undefined,
    nginxOverDirect: n && d ? n.rps / d.rps : undefined,
    nodeHopOverNginx: h && n ? h.rps / n.rps : undefined,
    p99DeltaMs: p && n ? p.p99Ms - n.p99Ms : undefined,
  };
}

const fmt = (v: number | undefined, digits: number) => (v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits));

export function formatTable(rows: readonly PhaseSummary[]): string {
  const head =
    "| case | req/s | p50 ms | p99 ms | hop CPU µs/req | upstream CPU µs/req | wrk CPU µs/req | hop peak RSS MB | hop RSS first → last MB | errors | other load (cores) |";
  const lines = [head, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"];
  for (const r of rows) {
    const rss = r.hopRssFirstMb === undefined ? "–" : `${fmt(r.hopRssFirstMb, 1)} → ${fmt(r.hopRssLastMb, 1)}`;
    lines.push(
      `| ${PHASE_LABELS[r.key]} | ${fmt(r.rps, 0)} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ${fmt(r.hopCpuUsPerReq, 0)} | ` +
        `${fmt(r.upstreamCpuUsPerReq, 0)} | ${fmt(r.wrkCpuUsPerReq, 0)} | ${fmt(r.hopPeakRssMb, 1)} | ${rss} | ${r.errors} | ${fmt(r.otherLoadCores, 2)} |`,
    );
  }
  return lines.join("\n");
}

export function formatRatios(r: Ratios): string {
  const parts: string[] = [];
  if (r.proxyOverNginx !== undefined) parts.push(`proxy/nginx throughput ${fmt(r.proxyOverNginx, 2)} (target ≥ 0.80)`);
  if (r.proxyOverDirect !== undefined) parts.push(`proxy/direct throughput ${fmt(r.proxyOverDirect, 2)}`);
  if (r.nginxOverDirect !== undefined) parts.push(`nginx/direct throughput ${fmt(r.nginxOverDirect, 2)}`);
  if (r.nodeHopOverNginx !== undefined) parts.push(`bare Node hop/nginx throughput ${fmt(r.nodeHopOverNginx, 2)}`);
  if (r.p99DeltaMs !== undefined) parts.push(`proxy p99 − nginx p99 ${fmt(r.p99DeltaMs, 2)} ms (target ≤ 2)`);
  return parts.join("; ");
}

/** Replaces the block between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, or appends it, keeping the rest. */
export function replaceBlock(doc: string, name: string, content: string): string {
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const block = `${open}\n${content.trim()}\n${close}`;
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  if (start < 0 || end < start) return (doc.trimEnd() + "\n\n" + block + "\n").trimStart();
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
