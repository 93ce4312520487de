// `npm run build` (and `npm start`, which runs it first): the Node sidecar as plain ES modules, dist/node.mjs and
// the chunks it loads on demand (dist/chunks/).
// Running the TypeScript through tsx at start-up costs a loader thread and ~30 MB, and tsx wraps every function
// (closures built per request too) in a `__name` call: 8-13% more CPU per message (docs/benchmarks.md).
import { build } from "esbuild";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Bundles one TypeScript entry point for Node. Packages stay external: node_modules resolves them as from the
 * source. What the entry imports only with `import()` (Redis, the built-in sandbox) goes to chunks of its own,
 * named by content, so that a sidecar without it never loads it nor the packages it needs (ioredis alone is ~20 MB
 * resident). Chunks are written first and the entry last, each in one rename, so a sidecar starting while another
 * build runs never reads half of one, nor an entry whose chunks are not there yet.
 */
export async function bundleForNode(entry, outfile) {
  const name = basename(outfile, extname(outfile));
  const { outputFiles } = await build({
    entryPoints: [entry],
    outdir: dirname(outfile),
    entryNames: name,
    chunkNames: `chunks/${name}.[name]-[hash]`,
    outExtension: { ".js": extname(outfile) },
    splitting: true,
    write: false,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  });
  const entryFile = resolve(outfile);
  for (const file of outputFiles) if (file.path !== entryFile) writeAtomically(file.path, file.contents);
  writeAtomically(entryFile, outputFiles.find((file) => file.path === entryFile).contents);
  // This entry's chunks of earlier builds: a sidecar loads its chunks while it starts, so none still running needs them.
  const chunks = join(dirname(entryFile), "chunks");
  const current = new Set(outputFiles.map((file) => file.path));
  // Only finished chunks of this entry (`<entry>.<chunk>-<HASH>.mjs`): never another build's file still being written.
  const ownChunk = new RegExp(`^${name.replace(/[^\w]/g, "\\$&")}\\.[\\w-]+-[A-Z0-9]{8}\\.mjs$`);
  for (const file of existsSync(chunks) ? readdirSync(chunks) : []) {
    if (ownChunk.test(file) && !current.has(join(chunks, file))) rmSync(join(chunks, file), { force: true });
  }
}

/** Replaces `outfile` in one rename, so that a process starting (or reloading) meanwhile never reads half of it. */
export function writeAtomically(outfile, contents) {
  mkdirSync(dirname(outfile), { recursive: true });
  const partial = `${outfile}.${process.pid}.partial`;
  writeFileSync(partial, contents);
  renameSync(partial, outfile);
}

/**
 * The node arguments `npm start` runs the built sidecar with (its flags, then dist/node.mjs), read from a checkout's
 * package.json: the tests and benchmarks start the sidecar as operators do, with one place for its flags.
 */
export function startArgs(checkout = ROOT) {
  const start = JSON.parse(readFileSync(join(checkout, "package.json"), "utf8")).scripts.start;
  // Only the simple form this repository uses: `[exec] node [--flag[=value] …] <file>.mjs`.
  const match = /^(?:exec )?node((?: --[\w-]+(?:=\S+)?)*) (\S+\.mjs)$/.exec(start.trim());
  if (!match) throw new Error(`npm start is not \`[exec] node [--flag[=value] …] <file>.mjs\`: ${start}`);
  return [...match[1].split(" ").filter(Boolean), match[2]];
}

export const buildSidecar = () => bundleForNode(`${ROOT}adapters/node.ts`, `${ROOT}dist/node.mjs`);

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildSidecar();
