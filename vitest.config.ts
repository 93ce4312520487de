import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // test/workers runs inside workerd: vitest.workers.config.ts.
    exclude: ["test/workers/**", "**/node_modules/**"],
    testTimeout: 20_000,
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
  },
});
