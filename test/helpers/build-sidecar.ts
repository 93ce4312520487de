import { execFileSync } from "node:child_process";

/** vitest globalSetup: builds dist/node.mjs with `npm run build`'s script, so the sidecar tests run the current code. */
export default function buildSidecar(): void {
  execFileSync(process.execPath, ["scripts/build-node.mjs"], { stdio: "inherit" });
}
