// The Worker's size budget, run by `npm test`: bundle as `wrangler deploy` would, gzip, compare.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { buildWorkerBundle } from "./worker-bundle";

/** Well under the platform's 3 MiB (free plan): the gateway should stay small enough to read. */
const BUDGET_GZIP_BYTES = 64 * 1024;

const bundle = buildWorkerBundle("dist");
const raw = readFileSync(bundle.path);
const gzipped = gzipSync(raw, { level: 9 }).byteLength;
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`worker bundle ${bundle.path}: ${kib(raw.byteLength)} minified, ${kib(gzipped)} gzip (budget ${kib(BUDGET_GZIP_BYTES)})`);
if (gzipped > BUDGET_GZIP_BYTES) {
  console.error(`dm-bridge: the Worker bundle is over its budget by ${kib(gzipped - BUDGET_GZIP_BYTES)}`);
  process.exit(1);
}
