import { serve } from "@hono/node-server";
import { createHmac } from "node:crypto";
import { createSandbox } from "../src/sandbox/sandbox-app";

/** The sandbox upstream in its own process, for the benchmark: `node dist/bench/upstream-server.mjs <port>`, built by `builtBenchEntry`. */
const port = Number(process.argv[2] ?? "0");
const sandbox = createSandbox({
  hmac: (key, data) => createHmac("sha1", key).update(data).digest("base64"),
  clock: Date.now,
  // One demo sender sends every message of a run; X's daily limit would stop it after a thousand.
  dailyLimitPerUser: Number.MAX_SAFE_INTEGER,
  maxRecordedEvents: 1_000,
});
serve({ fetch: sandbox.fetch, port, hostname: "127.0.0.1" }, (info) => {
  process.stdout.write(`listening ${info.port}\n`);
});
