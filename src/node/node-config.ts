import { ConfigError, type Config } from "../config";

/** What only the Node sidecar can check: the settings that need a shared store there, which is Redis. */
export function checkNodeConfig(config: Config): Config {
  if (config.sharedStateRequired && !config.redis) {
    throw new ConfigError("SHARED_STATE_REQUIRED=true needs REDIS_URL: the Node sidecar shares state only through Redis");
  }
  if (config.webConcurrency > 1 && !config.redis) {
    throw new ConfigError(
      `WEB_CONCURRENCY=${config.webConcurrency} needs REDIS_URL: without a shared store a request replayed to another worker would be sent again, and each worker would count its own daily budget`,
    );
  }
  return config;
}
