// The Worker's sandbox as a module of its own, adapters/chunks/sandbox.mjs: wrangler.toml's [build] command runs
// this before every `wrangler deploy` and `wrangler dev`, and `find_additional_modules` uploads the file beside the
// bundle, which imports it only while DM_PROXY_CREDENTIALS is not set. So a configured Worker does not carry the
// sandbox's code (nor the hono and oauth-1.0a it bundles) in the module it loads. Additional modules are uploaded as
// they are, not bundled or minified by wrangler: this build does both.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { writeAtomically } from "./build-node.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const SANDBOX_MODULE = `${ROOT}adapters/chunks/sandbox.mjs`;

export async function buildSandboxModule(outfile = SANDBOX_MODULE) {
  const { outputFiles } = await build({
    entryPoints: [`${ROOT}src/sandbox/sandbox-app.ts`],
    outfile,
    write: false,
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    target: "es2022",
    logLevel: "warning",
  });
  // Replaced in one rename: a `wrangler dev` reloading while this runs never reads half of it.
  writeAtomically(outfile, outputFiles[0].contents);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildSandboxModule();
