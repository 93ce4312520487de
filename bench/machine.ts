import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { commandOutput, hasCommand } from "./processes";

/** The Debian package of a command, where the names differ. */
const PACKAGE_OF: Record<string, string> = { taskset: "util-linux", "redis-cli": "redis-tools" };

/** Installs the tools (nginx and wrk by default) from Debian's packages when missing and running as root; otherwise says what to run. */
export function ensureTools(tools: readonly string[] = ["nginx", "wrk", "taskset"]): void {
  const missing = tools.filter((c) => !hasCommand(c));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((c) => PACKAGE_OF[c] ?? c))];
  if (process.getuid?.() !== 0) {
    throw new Error(`missing ${missing.join(", ")}: run as root \`apt-get update && apt-get install -y ${packages.join(" ")}\` and retry`);
  }
  process.stderr.write(`installing ${packages.join(" ")} from Debian's packages…\n`);
  commandOutput("apt-get", ["update", "-qq"]);
  commandOutput("sh", ["-c", `DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${packages.join(" ")} 2>&1`]);
  const still = missing.filter((c) => !hasCommand(c));
  if (still.length) throw new Error(`could not install ${still.join(", ")}`);
}

export function describeMachine(layout: { hop?: string; upstream?: string; wrk?: string; cluster?: string }, withRedis = false) {
  const model = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpus()[0]?.model ?? "unknown CPU";
  return {
    cpu: model.trim(),
    cores: cpus().length,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB RAM`,
    kernel: `Linux ${commandOutput("uname", ["-r"])}`,
    node: process.versions.node,
    nginx: commandOutput("sh", ["-c", "nginx -v 2>&1"]).replace("nginx version: ", ""),
    wrk: commandOutput("sh", ["-c", "wrk -v 2>&1 | head -1"]).replace(/ Copyright.*$/, ""),
    ...(withRedis ? { redis: commandOutput("redis-server", ["--version"]).replace(/ sha=.*$/, "") } : {}),
    layout: layout.hop
      ? `Pinned with taskset: the hop (nginx, dm-bridge or the bare Node hop) alone on CPU ${layout.hop}; the upstream and wrk share CPU ${layout.upstream}` +
        (withRedis ? `, and redis-server runs there with them; the WEB_CONCURRENCY case's primary and workers may use CPUs ${layout.cluster}.` : ".")
      : "Not pinned: the scheduler spread wrk, hop and upstream over the cores.",
  };
}
