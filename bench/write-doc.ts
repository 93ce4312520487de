import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderChart, renderMemoryChart } from "./chart";
import type { describeMachine } from "./machine";
import { formatRatios, formatScaleOut, replaceBlock, summarize, type PhaseResult, type PhaseSummary, type Ratios } from "./report";

export interface RunRecord {
  root: string;
  name: string;
  /** The command line that reproduces the run. */
  command: string;
  machine: ReturnType<typeof describeMachine>;
  durationSec: number;
  connections: number;
  rounds: number;
  roundsLine: string;
  sampleIntervalSec: number;
  results: PhaseResult[];
  rows: PhaseSummary[];
  ratios: Ratios;
  table: string;
}

const bulletList = (lines: readonly string[]) => (lines.length ? [...lines.map((line) => `- ${line}.`), ""] : []);

/** Writes the raw results, the charts, and the run's block of docs/benchmarks.md (the rest of the file is kept). */
export function writeResultsDoc(r: RunRecord): void {
  const docDir = join(r.root, "docs/benchmarks");
  mkdirSync(docDir, { recursive: true });
  const m = r.machine;
  const barChart = r.rows.length > 1;
  if (barChart) {
    writeFileSync(join(docDir, `${r.name}.svg`), renderChart(r.rows, `${r.connections} connections, ${r.durationSec} s per case, ${m.cpu}, ${m.cores} cores`));
  }
  const proxyRow = r.rows.find((row) => row.key === "proxy");
  const proxy = proxyRow && r.results.find((p) => p.key === "proxy" && summarize(p).rps === proxyRow.rps);
  const samples = proxy?.hop?.rssSamplesKb ?? [];
  const memChart = samples.length > 2;
  if (memChart) {
    const caption = `dm-bridge resident set over ${r.durationSec} s at ${r.connections} connections`;
    writeFileSync(join(docDir, `${r.name}-memory.svg`), renderMemoryChart(samples, r.sampleIntervalSec, caption));
  }
  const { root: _root, table: _table, ...record } = r;
  writeFileSync(join(docDir, `${r.name}.json`), `${JSON.stringify({ date: new Date().toISOString(), ...record }, null, 2)}\n`);
  const block = [
    `Run \`${r.name}\` (${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC): \`${r.command}\``,
    "",
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memory}; ${m.kernel}; Node ${m.node}; ${m.nginx}; ${m.wrk}${m.redis ? `; ${m.redis}` : ""}. ${m.layout}`,
    "",
    r.table,
    "",
    ...(formatRatios(r.ratios) ? [`Ratios: ${formatRatios(r.ratios)}.`, ""] : []),
    ...bulletList(formatScaleOut(r.rows, r.ratios, r.connections)),
    ...(r.rounds > 1 ? [`${r.roundsLine}; the table shows each case's median round.`, ""] : []),
    ...(barChart ? [`![${r.name}](benchmarks/${r.name}.svg)`, ""] : []),
    ...(memChart ? [`![${r.name} memory](benchmarks/${r.name}-memory.svg)`] : []),
  ].join("\n");
  const docPath = join(r.root, "docs/benchmarks.md");
  const doc = existsSync(docPath) ? readFileSync(docPath, "utf8") : "# Benchmarks\n";
  writeFileSync(docPath, replaceBlock(doc, r.name, block));
}
