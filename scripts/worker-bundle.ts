import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
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
  /** The main ES module `wrangler deploy` would upload: what every Worker loads. */
  path: string;
  /**
   * The modules uploaded beside it (wrangler.toml's find_additional_modules), by their path in the same directory:
   * the sandbox, which only an unconfigured Worker imports.
   */
  additionalModules: string[];
  compatibilityDate: string;
  compatibilityFlags: string[];
  /** The [vars] of wrangler.toml, as a deployed Worker sees them. */
  vars: Record<string, string>;
}

/**
 * Bundles the Worker exactly as `wrangler deploy` would (`--dry-run`, settings from wrangler.toml, its [build]
 * command first, which builds the sandbox module). A Node built-in reaching the bundle is only a warning to wrangler;
 * here it is an error, because the Worker runs without nodejs_compat.
 */
export function buildWorkerBundle(outdir: string, configPath = join(ROOT, "wrangler.toml")): WorkerBundle {
  const out = resolve(ROOT, outdir);
  // The directory is wrangler's alone: emptied first, so a module of an earlier build is not taken for one of this.
  rmSync(out, { recursive: true, force: true });
  const args = ["deploy", "--dry-run", "--outdir", out, "--config", configPath];
  const run = spawnSync(WRANGLER, args, { cwd: ROOT, env: WRANGLER_ENV, encoding: "utf8" });
  const output = `${run.stdout}\n${run.stderr}`;
  if (run.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${output}`);
  const config = unstable_readConfig({ config: configPath });
  const path = join(out, basename(config.main ?? "index.js").replace(/\.[cm]?[jt]s$/, ".js"));
  // wrangler's warning names the import; the scan of the output still holds if the warning's wording changes.
  const warned = [...output.matchAll(/The package "([^"]+)" wasn't found on the file system but is built into node/g)];
  const additionalModules = modulesBeside(out, path);
  // The sandbox module is built apart from wrangler's bundle (scripts/build-sandbox-module.mjs), so it is scanned too.
  const left = [path, ...additionalModules].flatMap((file) => [
    ...readFileSync(file, "utf8").matchAll(/(?:from|import|require)\s*\(?\s*["'](node:[\w/]+)["']/g),
  ]);
  const builtins = [...new Set([...warned, ...left].map((m) => m[1]))];
  if (builtins.length > 0) {
    throw new Error(`the Worker bundle imports Node built-ins (${builtins.join(", ")}); src/ must run without nodejs_compat`);
  }
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(config.vars ?? {})) vars[k] = String(v);
  return {
    path,
    additionalModules,
    compatibilityDate: config.compatibility_date ?? "",
    compatibilityFlags: config.compatibility_flags ?? [],
    vars,
  };
}

/** The ES modules wrangler wrote to `out` beside the main one (not its source map nor README.md). */
function modulesBeside(out: string, main: string): string[] {
  const names = (readdirSync(out, { recursive: true }) as string[]).sort();
  return names.map((name) => join(out, name)).filter((p) => p !== main && /\.m?js$/.test(p) && statSync(p).isFile());
}
