import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // test/workers runs inside workerd: vitest.workers.config.ts.
    exclude: ["test/workers/**", "**/node_modules/**"],
    testTimeout: 20_000,
    // The sidecar tests run dist/node.mjs, as `npm start` does: built once, before any of them.
    globalSetup: ["./test/helpers/build-sidecar.ts", "./test/helpers/redis-check.ts"],
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
  },
});
