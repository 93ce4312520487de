import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { unstable_readConfig } from "wrangler";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");

/** Offline and silent: no metrics, no account look-ups, no banner. */
export const WRANGLER_ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
};

export interface WorkerBundle {
  /** The single ES module `wrangler deploy` would upload. */
  path: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  /** The [vars] of wrangler.toml, as a deployed Worker sees them. */
  vars: Record<string, string>;
}

/**
 * Bundles the Worker exactly as `wrangler deploy` would (`--dry-run`, settings from wrangler.toml). A Node built-in
 * reaching the bundle is only a warning to wrangler; here it is an error, because the Worker runs without
 * nodejs_compat.
 */
export function buildWorkerBundle(outdir: string): WorkerBundle {
  const out = resolve(ROOT, outdir);
  const run = spawnSync(WRANGLER, ["deploy", "--dry-run", "--outdir", out], { cwd: ROOT, env: WRANGLER_ENV, encoding: "utf8" });
  const output = `${run.stdout}\n${run.stderr}`;
  if (run.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${output}`);
  const nodeBuiltins = [...output.matchAll(/The package "([^"]+)" wasn't found on the file system but is built into node/g)];
  if (nodeBuiltins.length > 0) {
    const names = [...new Set(nodeBuiltins.map((m) => m[1]))].join(", ");
    throw new Error(`the Worker bundle imports Node built-ins (${names}); src/ must run without nodejs_compat:\n${output}`);
  }
  const config = unstable_readConfig({ config: join(ROOT, "wrangler.toml") });
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(config.vars ?? {})) vars[k] = String(v);
  return {
    path: join(out, "cloudflare.js"),
    compatibilityDate: config.compatibility_date ?? "",
    compatibilityFlags: config.compatibility_flags ?? [],
    vars,
  };
}
