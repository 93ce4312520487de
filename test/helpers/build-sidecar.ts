import { buildSidecar } from "../../scripts/build-node.mjs";

/** vitest globalSetup: builds dist/node.mjs as `npm run build` does, so that the sidecar tests run the current code. */
export default async function setup(): Promise<void> {
  await buildSidecar();
}
