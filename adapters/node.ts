import { serve } from "@hono/node-server";
import { createHmac, randomFillSync } from "node:crypto";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createApp } from "../src/app";
import { createStaticCredentialStore } from "../src/auth/credential-store";
import { createMemorySendBudget } from "../src/auth/send-budget";
import { ConfigError, parseConfig } from "../src/config";
import { describeSandboxDemo } from "../src/sandbox/demo-banner";
import { createSandbox } from "../src/sandbox/sandbox-app";
import { DEMO_CREDENTIALS } from "../src/sandbox/sandbox-users";
import { createUndiciFetch } from "../src/upstream/undici-fetch";
import { createRandomIdPool } from "../src/oauth/random-pool";
import { createLineLog } from "../src/http/line-log";

const hmac = (key: string, data: string) => createHmac("sha1", key).update(data).digest("base64");
const randomId = createRandomIdPool((bytes) => randomFillSync(bytes));
const { log, flush } = createLineLog((text) => process.stdout.write(text), setImmediate, Date.now);
process.on("exit", flush);

let config;
try {
  config = parseConfig(process.env, (path) => readFileSync(path, "utf8"));
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`dm-bridge: configuration error: ${err.message}`);
  process.exit(1);
}

let upstreamUrl = config.upstreamUrl;
if (!upstreamUrl) {
  const sandbox = createSandbox({ hmac, clock: Date.now });
  const server = serve({ fetch: sandbox.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((resolve) => server.once("listening", resolve));
  upstreamUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const app = createApp({
  fetch: createUndiciFetch(),
  hmac,
  clock: Date.now,
  randomId,
  credentials: createStaticCredentialStore(config.credentials ?? DEMO_CREDENTIALS),
  upstreamUrl,
  upstreamTimeoutMs: config.upstreamTimeoutMs,
  upstreamApi: config.upstreamApi,
  publicBaseUrl: config.publicBaseUrl,
  timestampWindowSec: config.timestampWindowSec,
  maxBodyBytes: config.maxBodyBytes,
  userCache: config.userCache,
  trustForwardedHeaders: config.trustForwardedHeaders,
  sendBudget:
    config.dailyLimitPerUser || config.dailyLimitPerApp
      ? createMemorySendBudget({ perUser: config.dailyLimitPerUser, perApp: config.dailyLimitPerApp }, Date.now)
      : undefined,
  preferredDialects: config.preferredDialects,
  log,
  upstreamLabel: config.upstreamUrl ? undefined : "sandbox",
});

serve({ fetch: app.fetch, port: config.port }, (info) => {
  const url = `http://localhost:${info.port}`;
  log({ event: "ready", url, upstream: config.upstreamUrl ? upstreamUrl : "sandbox", api: config.upstreamApi });
  flush();
  if (!config.upstreamUrl) console.log(describeSandboxDemo(url));
});
