import { readdirSync, readFileSync, writeFileSync } from "node:fs";

/** utime + stime of /proc/<pid>/stat, in clock ticks (fields 14 and 15; the name in parentheses may hold spaces). */
export function parseCpuTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error("unreadable /proc stat line");
  return utime + stime;
}

/**
 * A process and every process below it, parents first: a node:cluster primary and its workers. `childrenOf` gives a
 * pid's direct children (empty once it is gone); a pid met twice is not walked again.
 */
export function processTree(root: number, childrenOf: (pid: number) => readonly number[]): number[] {
  const seen = new Set<number>();
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    queue.push(...childrenOf(pid));
  }
  return [...seen];
}

/**
 * CPU spent between two readings of a process tree (pid -> ticks), in all and by process in the order of `after`: a process seen only at the end (a replaced
 * worker) counts from zero; one gone by the end is not counted (its ticks went with it) and is returned to be told.
 */
export function ticksSpent(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): { ticks: number; each: number[]; gone: number[] } {
  const each = [...after].map(([pid, end]) => end - (before.get(pid) ?? 0));
  return { ticks: each.reduce((a, b) => a + b, 0), each, gone: [...before.keys()].filter((pid) => !after.has(pid)) };
}

/** Direct children of a pid, from every one of its threads' `children` file (a fork may come from any thread). */
export function childPidsOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").split(" ").filter(Boolean).map(Number));
  } catch {
    return [];
  }
}

/** pid -> CPU ticks of a process and its descendants now; a process that ends while it is read is left out. */
export function treeTicksOf(root: number): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const pid of processTree(root, childPidsOf)) {
    try {
      ticks.set(pid, cpuTicksOf(pid));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return ticks;
}

/** A `VmHWM:` / `VmRSS:` line of /proc/<pid>/status, in kB. */
export function parseStatusKb(status: string, field: "VmHWM" | "VmRSS"): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status);
  if (!m) throw new Error(`no ${field} in /proc status`);
  return Number(m[1]);
}

export const cpuTicksOf = (pid: number) => parseCpuTicks(readFileSync(`/proc/${pid}/stat`, "utf8"));
export const statusKbOf = (pid: number, field: "VmHWM" | "VmRSS") => parseStatusKb(readFileSync(`/proc/${pid}/status`, "utf8"), field);

/** Resets the peak-RSS mark (VmHWM) so the measured run's peak excludes start-up and warm-up. Needs the owner or root. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** Busy and total jiffies of every CPU together, from the first line of /proc/stat (idle and iowait are not busy). */
export function parseMachineTicks(procStat: string): { busy: number; total: number } {
  const f = procStat.split("\n")[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - f[4]!, total };
}

/** CPU of this process's waited-for children (cutime + cstime): wrk's own CPU once it has exited. */
export function parseChildTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[13]) + Number(fields[14]);
}

export const machineTicks = () => parseMachineTicks(readFileSync("/proc/stat", "utf8"));
export const childTicksOfSelf = () => parseChildTicks(readFileSync("/proc/self/stat", "utf8"));

/** The main thread's total from callgrind's dump files: the one dumped as "measured", thread 1. */
export function mainThreadInstructions(dumps: readonly string[]): number {
  for (const text of dumps) {
    if (!/^desc: Trigger: .*measured/m.test(text) || !/^thread: 1$/m.test(text)) continue;
    const total = /^(?:summary|totals): (\d+)/m.exec(text);
    if (total) return Number(total[1]);
  }
  throw new Error("callgrind wrote no dump of the main thread for the measured messages");
}
