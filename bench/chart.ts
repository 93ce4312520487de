import { CLUSTER_WORKERS, type PhaseKey, type PhaseSummary } from "./report";

const COLORS: Record<PhaseKey, string> = {
  direct: "#7f8c8d",
  nginx: "#2e86de",
  "node-hop": "#8e44ad",
  proxy: "#e67e22",
  "proxy-redis": "#c0392b",
  "proxy-cluster": "#27ae60",
};
const SHORT: Record<PhaseKey, string> = {
  direct: "direct",
  nginx: "nginx",
  "node-hop": "Node hop",
  proxy: "dm-bridge",
  "proxy-redis": "+ Redis",
  "proxy-cluster": `× ${CLUSTER_WORKERS}, Redis`,
};

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

interface Bar {
  label: string;
  value: number;
  color: string;
  text: string;
  /** A second line under this bar and the next, naming the pair. */
  pairLabel?: string;
}

/** One horizontal-axis panel of vertical bars, scaled to its own maximum. */
function panel(x: number, y: number, w: number, h: number, title: string, bars: readonly Bar[]): string {
  const max = Math.max(...bars.map((b) => b.value), 1e-9);
  const slot = w / bars.length;
  const barW = Math.min(60, slot * 0.6);
  const out = [`<text x="${x + w / 2}" y="${y - 8}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`];
  out.push(`<line x1="${x}" y1="${y + h}" x2="${x + w}" y2="${y + h}" stroke="#333"/>`);
  bars.forEach((b, i) => {
    const bh = Number.isFinite(b.value) ? (b.value / max) * (h - 20) : 0;
    const bx = x + slot * i + (slot - barW) / 2;
    out.push(`<rect x="${bx.toFixed(1)}" y="${(y + h - bh).toFixed(1)}" width="${barW.toFixed(1)}" height="${bh.toFixed(1)}" fill="${b.color}"/>`);
    out.push(`<text x="${(bx + barW / 2).toFixed(1)}" y="${(y + h - bh - 4).toFixed(1)}" text-anchor="middle">${esc(b.text)}</text>`);
    out.push(`<text x="${(bx + barW / 2).toFixed(1)}" y="${y + h + 16}" text-anchor="middle">${esc(b.label)}</text>`);
    if (b.pairLabel) out.push(`<text x="${(x + slot * (i + 1)).toFixed(1)}" y="${y + h + 30}" text-anchor="middle">${esc(b.pairLabel)}</text>`);
  });
  return out.join("\n");
}

/** Throughput, p50/p99 latency and CPU per request of each case, side by side, as a self-contained SVG. */
export function renderChart(rows: readonly PhaseSummary[], caption: string): string {
  // Two latency bars a case: from five cases on, the panels widen so that their labels do not run into each other.
  const pw = Math.max(260, rows.length * 64);
  const gap = 40;
  const width = 3 * pw + 2 * gap + 40;
  const height = 345;
  const ph = 220;
  const top = 50;
  const rps = rows.map((r) => ({ label: SHORT[r.key], value: r.rps, color: COLORS[r.key], text: r.rps.toFixed(0) }));
  const lat = rows.flatMap((r) => [
    { label: "p50", value: r.p50Ms, color: COLORS[r.key], text: r.p50Ms.toFixed(1), pairLabel: SHORT[r.key] },
    { label: "p99", value: r.p99Ms, color: COLORS[r.key], text: r.p99Ms.toFixed(1) },
  ]);
  const cpu = rows
    .filter((r) => r.hopCpuUsPerReq !== undefined)
    .map((r) => ({ label: SHORT[r.key], value: r.hopCpuUsPerReq!, color: COLORS[r.key], text: r.hopCpuUsPerReq!.toFixed(0) }));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">${esc(caption)}</text>`,
    panel(20, top, pw, ph, "throughput, req/s (higher is better)", rps),
    panel(20 + pw + gap, top, pw, ph, "latency, ms (lower is better)", lat),
    panel(20 + 2 * (pw + gap), top, pw, ph, "hop CPU, µs per request", cpu),
    "</svg>",
    "",
  ].join("\n");
}

/** Resident set of the hop over a run, one point per sample: flat means no leak. */
export function renderMemoryChart(samplesKb: readonly number[], intervalSec: number, caption: string): string {
  const width = 900;
  const height = 260;
  const [x0, y0, w, h] = [60, 40, 800, 180];
  const mbs = samplesKb.map((k) => k / 1024);
  const max = Math.max(...mbs, 1) * 1.15;
  const pts = mbs.map((v, i) => `${(x0 + (w * i) / Math.max(1, mbs.length - 1)).toFixed(1)},${(y0 + h - (v / max) * h).toFixed(1)}`);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = max * f;
    const y = (y0 + h - f * h).toFixed(1);
    return `<line x1="${x0}" y1="${y}" x2="${x0 + w}" y2="${y}" stroke="#ddd"/><text x="${x0 - 6}" y="${y}" text-anchor="end">${v.toFixed(0)}</text>`;
  });
  const total = (mbs.length - 1) * intervalSec;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">${esc(caption)}</text>`,
    ...ticks,
    `<text x="20" y="${y0 + h / 2}" transform="rotate(-90 20 ${y0 + h / 2})" text-anchor="middle">RSS MB</text>`,
    `<polyline fill="none" stroke="${COLORS.proxy}" stroke-width="2" points="${pts.join(" ")}"/>`,
    `<text x="${x0}" y="${y0 + h + 18}">0 s</text>`,
    `<text x="${x0 + w}" y="${y0 + h + 18}" text-anchor="end">${total.toFixed(0)} s</text>`,
    "</svg>",
    "",
  ].join("\n");
}
