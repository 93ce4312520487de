import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import { type Config, ConfigError, parseConfig } from "../src/config";
import { runClusterPrimary } from "../src/node/cluster-primary";
import { checkNodeConfig } from "../src/node/node-config";
import { runSidecar } from "../src/node/sidecar";

let config: Config;
try {
  config = checkNodeConfig(parseConfig(process.env, (path) => readFileSync(path, "utf8")));
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`dm-bridge: configuration error: ${err.message}`);
  process.exit(1);
}

if (config.webConcurrency > 1 && cluster.isPrimary) runClusterPrimary(config, config.webConcurrency);
else await runSidecar(config);
