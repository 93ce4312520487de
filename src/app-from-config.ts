import { createApp, type AppDeps } from "./app";
import { createStaticCredentialStore } from "./auth/credential-store";
import type { SendLimits } from "./auth/send-budget";
import type { Config } from "./config";
import { DEMO_CREDENTIALS } from "./sandbox/demo-credentials";

/** What a runtime brings: its crypto, clock, upstream client and stores; anything else it passes overrides the configuration. */
export type Runtime = Pick<AppDeps, "fetch" | "hmac" | "clock" | "randomId" | "upstreamUrl"> & Partial<AppDeps>;

/**
 * The one way from a checked configuration to the app, for both adapters and the tests: the configuration gives the
 * settings, the runtime its I/O. Without credentials the app runs on the built-in sandbox with the demo ones, and
 * every answer says so.
 */
export function createAppFromConfig(config: Config, runtime: Runtime) {
  return createApp({
    credentials: createStaticCredentialStore(config.credentials ?? DEMO_CREDENTIALS),
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    upstreamApi: config.upstreamApi,
    publicBaseUrl: config.publicBaseUrl,
    timestampWindowSec: config.timestampWindowSec,
    maxBodyBytes: config.maxBodyBytes,
    userCache: config.userCache,
    trustForwardedHeaders: config.trustForwardedHeaders,
    preferredDialects: config.preferredDialects,
    upstreamLabel: config.upstreamUrl ? undefined : "sandbox",
    ...runtime,
  });
}

/** The configured daily limits, or undefined when none is set (the upstream then does all the counting). */
export function dailyLimitsOf(config: Config): SendLimits | undefined {
  const { dailyLimitPerUser: perUser, dailyLimitPerApp: perApp } = config;
  return perUser || perApp ? { perUser, perApp } : undefined;
}
