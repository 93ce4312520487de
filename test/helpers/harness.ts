import { createAdaptorServer, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import type { AppDeps, createApp, LogLine } from "../../src/app";
import { createAppFromConfig } from "../../src/app-from-config";
import { parseConfig } from "../../src/config";
import { createMemoryNonceStore } from "../../src/auth/nonce-store";
import { DEFAULT_USER_DIRECTORY } from "../../src/users/user-directory";
import { createSandbox, type Sandbox, type SandboxOptions } from "../../src/sandbox/sandbox-app";
import { DEMO_CREDENTIALS } from "../../src/sandbox/sandbox-users";
import { createUndiciFetch } from "../../src/upstream/undici-fetch";
import { nodeHmac, randomId } from "./node-crypto";

export interface Harness {
  sandbox: Sandbox;
  upstreamUrl: string;
  app: ReturnType<typeof createApp>;
  logs: LogLine[];
  /** Sends a request to the proxy as a client at http://proxy.test would. */
  call(request: Request): Promise<Response>;
  /** The proxy's own loopback URL, with `listen: true`: for real client software that opens sockets. */
  proxyUrl: string;
  /** What real clients sent to `proxyUrl`, as it arrived, to show each client's own way of sending. */
  received: ReceivedRequest[];
  close(): Promise<void>;
}

export interface ReceivedRequest {
  method: string;
  url: string;
  contentType: string | null;
  authorization: string | null;
  body: string;
}

/** The sandbox listening on loopback, as the upstream of one proxy or of several replicas that share it. */
export interface SandboxUpstream {
  sandbox: Sandbox;
  url: string;
  close(): Promise<void>;
}

export async function startSandboxUpstream(options: Partial<SandboxOptions> = {}): Promise<SandboxUpstream> {
  const sandbox = createSandbox({ hmac: nodeHmac, clock: Date.now, ...options });
  const server = await listenOnLoopback(sandbox.fetch);
  return { sandbox, url: urlOf(server), close: () => closeServer(server) };
}

/**
 * The proxy wired as in production, against the sandbox listening on loopback: its own, or `upstream`, one that
 * several harnesses share (replicas behind one load balancer), which the caller then closes.
 */
export async function startHarness(
  options: { sandbox?: Partial<SandboxOptions>; app?: Partial<AppDeps>; listen?: boolean; upstream?: SandboxUpstream } = {},
): Promise<Harness> {
  const ownUpstream = options.upstream ? undefined : await startSandboxUpstream(options.sandbox);
  const { sandbox, url: upstreamUrl } = options.upstream ?? ownUpstream!;
  const logs: LogLine[] = [];
  // The sidecar's own upstream client, so the end-to-end tests cover what production sends with.
  const upstreamFetch = createUndiciFetch();
  // Configured as an operator would (the demo credentials, this upstream); the tests' own settings override.
  const config = parseConfig({ DM_PROXY_CREDENTIALS: JSON.stringify(DEMO_CREDENTIALS), UPSTREAM_URL: upstreamUrl, UPSTREAM_TIMEOUT_MS: "2000" });
  const app = createAppFromConfig(config, {
    fetch: upstreamFetch,
    hmac: nodeHmac,
    clock: Date.now,
    randomId,
    upstreamUrl,
    log: (l) => logs.push(l),
    // Production-sized caches preallocate for 200,000 and 50,000 entries: ~40 ms per proxy, and tests start hundreds.
    nonces: createMemoryNonceStore(10_000),
    userCache: { ...DEFAULT_USER_DIRECTORY, maxEntries: 1_000 },
    ...options.app,
  });
  const received: ReceivedRequest[] = [];
  const recordThenServe = async (r: Request) => {
    const h = r.headers;
    received.push({ method: r.method, url: r.url, contentType: h.get("content-type"), authorization: h.get("authorization"), body: await r.clone().text() });
    return app.fetch(r);
  };
  const proxy = options.listen ? await listenOnLoopback(recordThenServe) : undefined;
  return {
    sandbox,
    upstreamUrl,
    app,
    logs,
    proxyUrl: proxy ? urlOf(proxy) : PROXY,
    received,
    call: (request) => Promise.resolve(app.fetch(request)),
    close: async () => {
      void upstreamFetch.close();
      if (proxy) await closeServer(proxy);
      await ownUpstream?.close();
    },
  };
}

async function listenOnLoopback(fetch: (request: Request) => Response | Promise<Response>): Promise<ServerType> {
  const server: ServerType = createAdaptorServer({ fetch });
  // Node's default backlog (511) drops the SYNs of a burst of a thousand clients, which retry a second later: the
  // burst would arrive in waves that no real deployment's clients make.
  server.listen({ port: 0, host: "127.0.0.1", backlog: 4_096 });
  await new Promise((resolve) => server.once("listening", resolve));
  return server;
}

const urlOf = (server: ServerType) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

function closeServer(server: ServerType): Promise<void> {
  // Legacy clients keep connections alive; without this the close would wait for their idle timeout.
  (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

export const PROXY = "http://proxy.test";
