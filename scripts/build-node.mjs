// `npm run build` (and `npm start`, which runs it first): the Node sidecar as one plain ES module, dist/node.mjs.
// Running the TypeScript through tsx at start-up costs a loader thread and ~30 MB, and tsx wraps every function
// (closures built per request too) in a `__name` call: 8-13% more CPU per message (docs/benchmarks.md).
import { build } from "esbuild";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Bundles one TypeScript entry point for Node. Packages stay external: node_modules resolves them as from the
 * source. The file is replaced in one rename, so a sidecar starting while another build runs never reads half of it.
 */
export async function bundleForNode(entry, outfile) {
  const { outputFiles } = await build({
    entryPoints: [entry],
    outfile,
    write: false,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  });
  writeAtomically(outfile, outputFiles[0].contents);
}

/** Replaces `outfile` in one rename, so that a process starting (or reloading) meanwhile never reads half of it. */
export function writeAtomically(outfile, contents) {
  mkdirSync(dirname(outfile), { recursive: true });
  const partial = `${outfile}.${process.pid}.partial`;
  writeFileSync(partial, contents);
  renameSync(partial, outfile);
}

export const buildSidecar = () => bundleForNode(`${ROOT}adapters/node.ts`, `${ROOT}dist/node.mjs`);

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildSidecar();
