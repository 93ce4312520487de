// The Worker's size budget, run by `npm test`: bundle as `wrangler deploy` would, gzip, compare.
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { gzipSync } from "node:zlib";
import { buildWorkerBundle } from "./worker-bundle";

/**
 * Well under the platform's 3 MiB (free plan): the gateway should stay small enough to read. The budget is the main
 * module's, which every Worker loads; the sandbox module beside it is loaded only by a Worker with no credentials.
 */
const BUDGET_GZIP_BYTES = 64 * 1024;

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
function sizes(path: string): { raw: number; gzip: number } {
  const raw = readFileSync(path);
  return { raw: raw.byteLength, gzip: gzipSync(raw, { level: 9 }).byteLength };
}

const bundle = buildWorkerBundle("dist/worker");
const main = sizes(bundle.path);
console.log(`worker bundle ${bundle.path}: ${kib(main.raw)} minified, ${kib(main.gzip)} gzip (budget ${kib(BUDGET_GZIP_BYTES)})`);
for (const path of bundle.additionalModules) {
  const more = sizes(path);
  console.log(`  + ${relative(process.cwd(), path)}, loaded only without DM_PROXY_CREDENTIALS: ${kib(more.raw)} minified, ${kib(more.gzip)} gzip`);
}
if (main.gzip > BUDGET_GZIP_BYTES) {
  console.error(`dm-bridge: the Worker bundle is over its budget by ${kib(main.gzip - BUDGET_GZIP_BYTES)}`);
  process.exit(1);
}
