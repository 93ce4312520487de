import { readFileSync } from "node:fs";
import { ConfigError, parseConfig } from "../src/config";
import { runSidecar } from "../src/node/sidecar";

let config;
try {
  config = parseConfig(process.env, (path) => readFileSync(path, "utf8"));
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`dm-bridge: configuration error: ${err.message}`);
  process.exit(1);
}

await runSidecar(config);
