import { spawn, type ChildProcess } from "node:child_process";

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
export const SIDECAR_ARGS = ["dist/node.mjs"];

/**
 * Starts the Node sidecar exactly as `npm start` does (or with `command`, e.g. `npm start` itself) and collects what
 * it prints until it is ready. In a process group of its own, so that stopping it stops all of it.
 */
export function startSidecar(env: Record<string, string>, command = [process.execPath, ...SIDECAR_ARGS]): Promise<{ output: string; url: string }> {
  const child = spawn(command[0]!, command.slice(1), {
    env: { PATH: process.env.PATH ?? "", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  children.push(child);
  let output = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /"event":"ready","url":"([^"]+)"/.exec(output);
      if (ready && output.includes("Try it:") && output.trimEnd().endsWith("new.json")) resolve({ output, url: ready[1]! });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    child.on("exit", (code) => reject(new Error(`exited ${code}: ${output}`)));
  });
}

