import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { createApp, type AppDeps, type LogLine } from "../../src/app";
import { createStaticCredentialStore } from "../../src/auth/credential-store";
import { createMemoryNonceStore } from "../../src/auth/nonce-store";
import { DEFAULT_USER_DIRECTORY } from "../../src/users/user-directory";
import { createSandbox, type Sandbox, type SandboxOptions } from "../../src/sandbox/sandbox-app";
import { DEMO_CREDENTIALS } from "../../src/sandbox/sandbox-users";
import { nodeHmac, randomId } from "./node-crypto";

export interface Harness {
  sandbox: Sandbox;
  upstreamUrl: string;
  app: ReturnType<typeof createApp>;
  logs: LogLine[];
  /** Sends a request to the proxy as a client at http://proxy.test would. */
  call(request: Request): Promise<Response>;
  close(): Promise<void>;
}

/** The proxy wired as in production, against the sandbox listening on loopback. */
export async function startHarness(
  options: { sandbox?: Partial<SandboxOptions>; app?: Partial<AppDeps> } = {},
): Promise<Harness> {
  const sandbox = createSandbox({ hmac: nodeHmac, clock: Date.now, ...options.sandbox });
  const server: ServerType = serve({ fetch: sandbox.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((resolve) => server.once("listening", resolve));
  const upstreamUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const logs: LogLine[] = [];
  const app = createApp({
    fetch: (r) => fetch(r),
    hmac: nodeHmac,
    clock: Date.now,
    randomId,
    credentials: createStaticCredentialStore(DEMO_CREDENTIALS),
    upstreamUrl,
    upstreamTimeoutMs: 2_000,
    log: (l) => logs.push(l),
    // Production-sized caches preallocate for 200,000 and 50,000 entries: ~40 ms per proxy, and tests start hundreds.
    nonces: createMemoryNonceStore(10_000),
    userCache: { ...DEFAULT_USER_DIRECTORY, maxEntries: 1_000 },
    ...options.app,
  });
  return {
    sandbox,
    upstreamUrl,
    app,
    logs,
    call: (request) => Promise.resolve(app.fetch(request)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export const PROXY = "http://proxy.test";
