import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, connect } from "node:net";
import { join, resolve } from "node:path";
import { bundleForNode, startArgs } from "../scripts/build-node.mjs";
import { DEMO_CREDENTIALS } from "../src/sandbox/sandbox-users";

/** The environment of a sidecar under load: the demo credentials, the given upstream, nothing from this shell. */
export function sidecarEnv(port: number, upstreamPort: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "",
    PORT: String(port),
    UPSTREAM_URL: `http://127.0.0.1:${upstreamPort}`,
    DM_PROXY_CREDENTIALS: JSON.stringify(DEMO_CREDENTIALS),
  };
}

const ROOT = resolve(import.meta.dirname, "..");

/** The node arguments that run a checkout's sidecar as its `npm start` does: built first, or through tsx before it had a build. */
export function sidecarArgs(checkout: string): string[] {
  const build = join(checkout, "scripts/build-node.mjs");
  if (!existsSync(build)) return ["--import", "tsx", join(checkout, "adapters/node.ts")];
  execFileSync(process.execPath, [build], { stdio: "inherit" });
  // As that checkout's `npm start` runs it: its node flags, then its built entry.
  return startArgs(checkout).map((arg) => (arg.startsWith("-") ? arg : join(checkout, arg)));
}

/** A bench entry point (`bench/<name>.ts`) bundled as `npm start` bundles the sidecar, so that tsx costs none of them anything. */
export async function builtBenchEntry(name: string): Promise<string> {
  const out = join(ROOT, "dist/bench", `${name}.mjs`);
  await bundleForNode(join(ROOT, "bench", `${name}.ts`), out);
  return out;
}

/**
 * The translation alone (`bench/translation-alone.ts`): `messages` legacy sends through the app's core function in
 * one process, with the sidecar's node flags and `DM_DAILY_LIMIT_PER_USER=dailyLimit` (0: none), pinned to `cpus`;
 * its log lines go to /dev/null as the sidecar's do.
 * Returns its CPU per message, µs.
 */
export async function translationAloneUs(messages: number, dailyLimit: number, cpus?: string): Promise<number> {
  const entry = await builtBenchEntry("translation-alone");
  const args = [...startArgs().filter((arg) => arg.startsWith("-")), entry, String(messages), String(dailyLimit)];
  const err = await runCommand(process.execPath, args, cpus, { stdout: "ignore" });
  const us = /^µs ([0-9.]+)$/m.exec(err)?.[1];
  if (us === undefined) throw new Error(`translation-alone printed no figure: ${err.slice(-2000)}`);
  return Number(us);
}

/** The upstream in its own process (`bench/upstream-server.ts`: the sandbox, or it replayed), listening once this resolves. */
export async function startSandboxUpstream(cpus?: string, mode: "sandbox" | "fast" = "sandbox"): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = startProcess(process.execPath, [await builtBenchEntry("upstream-server"), String(port), mode], { cpus });
  await waitForPort(port);
  return { child, port };
}

/** Every child this run started, so that an error or Ctrl-C still stops them (by pid, nothing else). */
const started: ChildProcess[] = [];
const stopping = new Set<ChildProcess>();

export function startProcess(cmd: string, args: string[], o: { cpus?: string; env?: NodeJS.ProcessEnv; quiet?: boolean } = {}): ChildProcess {
  const [file, argv] = o.cpus ? ["taskset", ["-c", o.cpus, cmd, ...args]] : [cmd, args];
  const child = spawn(file, argv, { env: o.env ?? process.env, stdio: ["ignore", o.quiet ? "ignore" : "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  child.on("exit", (code, signal) => {
    if (!stopping.has(child)) process.stderr.write(`${cmd} (pid ${child.pid}) ended unexpectedly: ${signal ?? `exit code ${code}`} ${stderr}\n`);
  });
  started.push(child);
  return child;
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  stopping.add(child);
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

export function stopAll(): void {
  for (const c of started) {
    stopping.add(c);
    if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => (s.destroy(), resolve(true)));
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs a command to its end and returns what it printed (stderr only with `stdout: "ignore"`); rejects on a failure. */
export function runCommand(cmd: string, args: string[], cpus?: string, o: { stdout?: "ignore" } = {}): Promise<string> {
  const [file, argv] = cpus ? ["taskset", ["-c", cpus, cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ["ignore", o.stdout ?? "pipe", "pipe"] });
    let out = "";
    child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${out.slice(-2000)}`))));
  });
}

export function commandOutput(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return (e.stdout || e.stderr || "").trim();
  }
}

export function hasCommand(cmd: string): boolean {
  return commandOutput("sh", ["-c", `command -v ${cmd} || true`]) !== "";
}
