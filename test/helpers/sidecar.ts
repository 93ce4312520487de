import { spawn, type ChildProcess } from "node:child_process";
import { startArgs } from "../../scripts/build-node.mjs";

const children: ChildProcess[] = [];

/** Stops every sidecar the test started, with whatever it started (npm's shell and node); for `afterEach`. */
export function stopSidecars(): void {
  for (const c of children.splice(0)) {
    try {
      process.kill(-c.pid!, "SIGTERM");
    } catch {
      // Already gone.
    }
  }
}

/** What `npm start` runs once it has built it (the build is test/helpers/build-sidecar.ts, before any test). */
export const SIDECAR_ARGS = startArgs();

/**
 * Starts the Node sidecar exactly as `npm start` does (or with `command`, e.g. `npm start` itself) and collects what
 * it prints until it is ready. In a process group of its own, so that stopping it stops all of it.
 */
export interface StartedSidecar {
  /** What it printed until it was ready. */
  output: string;
  url: string;
  child: ChildProcess;
  /** Everything it printed so far, also after it was ready. */
  printed(): string;
  /** Its exit code (null when a signal ended it) and the time from `since` to its exit. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startSidecar(env: Record<string, string>, command = [process.execPath, ...SIDECAR_ARGS]): Promise<StartedSidecar> {
  const child = spawn(command[0]!, command.slice(1), {
    env: { PATH: process.env.PATH ?? "", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  children.push(child);
  let output = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  // With an upstream configured there is no sandbox banner to wait for: the ready line is the last thing printed.
  const banner = !env.UPSTREAM_URL;
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /"event":"ready","url":"([^"]+)"/.exec(output);
      if (ready && (!banner || (output.includes("Try it:") && output.trimEnd().endsWith("new.json")))) {
        resolve({ output, url: ready[1]!, child, printed: () => output, exited });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    void exited.then(({ code }) => reject(new Error(`exited ${code}: ${output}`)));
  });
}
