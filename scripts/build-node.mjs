// `npm run build` (and `npm start`, which runs it first): the Node sidecar as one plain ES module, dist/node.mjs.
// Running the TypeScript through tsx at start-up would cost a loader thread, a second process and ~30 MB, and tsx
// wraps every function (closures built per request too) in a `__name` call that a compiled file does not have.
// Packages stay external: node_modules resolves them from dist/ as it would from adapters/.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const SIDECAR_BUNDLE = `${ROOT}dist/node.mjs`;

export async function buildSidecar() {
  await build({
    absWorkingDir: ROOT,
    entryPoints: ["adapters/node.ts"],
    outfile: SIDECAR_BUNDLE,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildSidecar();
