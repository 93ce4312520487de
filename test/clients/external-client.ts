import { execFile, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Legacy clients that are not npm packages (curl, Debian's Python and Perl Twitter libraries), run as their own
 * processes. On a developer machine without them the tests skip and say why; under CI (`CI` set) a missing client
 * is a failure, because .ci/run installs them.
 */
export interface ExternalClient {
  name: string;
  /** The command that proves the client is installed, run once. */
  probe: readonly [string, ...string[]];
  install: string;
}

export const CURL: ExternalClient = { name: "curl", probe: ["curl", "--version"], install: "apt-get install curl" };
export const PYTHON_TWITTER: ExternalClient = {
  name: "python-twitter 3.3 (Debian python3-twitter)",
  probe: ["/usr/bin/python3", "-c", "import twitter"],
  install: "apt-get install python3-twitter",
};
export const NET_TWITTER: ExternalClient = {
  name: "Net::Twitter 4.01043 (Debian libnet-twitter-perl)",
  probe: ["/usr/bin/perl", "-MNet::Twitter", "-e1"],
  install: "apt-get install libnet-twitter-perl",
};
export const NET_TWITTER_LITE: ExternalClient = {
  name: "Net::Twitter::Lite 0.12008 (Debian libnet-twitter-lite-perl)",
  probe: ["/usr/bin/perl", "-MNet::Twitter::Lite::WithAPIv1_1", "-e1"],
  install: "apt-get install libnet-twitter-lite-perl",
};

/** True when the tests for this client must be skipped: it is missing and this is not CI. */
export function shouldSkip(client: ExternalClient): boolean {
  const [cmd, ...args] = client.probe;
  const present = spawnSync(cmd, args, { stdio: "ignore" }).status === 0;
  if (present || process.env.CI) return false;
  console.warn(`skipping ${client.name} tests: not installed here (${client.install}); CI installs it and fails without it`);
  return true;
}

export const scriptPath = (name: string) => fileURLToPath(new URL(`./scripts/${name}`, import.meta.url));

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: readonly string[], env: Record<string, string> = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 15_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      if (err && typeof err.code !== "number") reject(new Error(`${cmd} could not run: ${err.message}`));
      else resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a client that prints one JSON document, failing with its stderr when it does not. */
export async function runJson(cmd: string, args: readonly string[]): Promise<Record<string, unknown>> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} exited ${r.code}: ${r.stderr.slice(0, 2_000)}`);
  return JSON.parse(r.stdout);
}
