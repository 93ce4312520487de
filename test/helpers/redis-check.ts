import { REDIS_HOW_TO, externalRedisUrl, redisServerInstalled } from "./redis-server";

/**
 * vitest globalSetup: says once, for the whole run, that the Redis suites are skipped and how to run them; under CI
 * (where .ci/run installs redis-server) a missing Redis stops the run instead.
 */
export default function setup(): void {
  if (externalRedisUrl || redisServerInstalled) return;
  if (process.env.CI) throw new Error(`the shared-state tests need Redis and CI is set: ${REDIS_HOW_TO}`);
  console.warn(`skipping the shared-state (Redis) tests: no redis-server here (${REDIS_HOW_TO})`);
}
