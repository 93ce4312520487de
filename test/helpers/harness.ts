import { getRequestListener } from "@hono/node-server";
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { AppDeps, createApp, LogLine } from "../../src/app";
import { createAppFromConfig } from "../../src/app-from-config";
import { parseConfig } from "../../src/config";
import { createMemoryNonceStore } from "../../src/auth/nonce-store";
import { DEFAULT_USER_DIRECTORY } from "../../src/users/user-directory";
import { createSandbox, type Sandbox, type SandboxOptions } from "../../src/sandbox/sandbox-app";
import { DEMO_CREDENTIALS } from "../../src/sandbox/sandbox-users";
import { createUndiciFetch } from "../../src/upstream/undici-fetch";
import { createNodeListener, headerOf } from "../../src/node/node-listener";
import { nodeHmac, randomId } from "./node-crypto";

export interface Harness {
  sandbox: Sandbox;
  upstreamUrl: string;
  app: ReturnType<typeof createApp>;
  logs: LogLine[];
  /** Sends a request to the proxy as a client at http://proxy.test would: over loopback, into the sidecar's listener. */
  call(request: Request, how?: CallOptions): Promise<Response>;
  /** The proxy's own loopback URL, with `listen: true`: for real client software that opens sockets. */
  proxyUrl: string;
  /** What real clients sent to `proxyUrl`, as it arrived, to show each client's own way of sending. */
  received: ReceivedRequest[];
  close(): Promise<void>;
}

export interface CallOptions {
  /** Send the body in pieces without a Content-Length (chunked), as clients that stream send it. */
  chunked?: boolean;
}

/**
 * Which way a harness's `call` reaches the app: `listener` (the default) over loopback into the sidecar's own
 * listener, whose direct route serves legacy sends as `npm start` does; `hono`, in process through `app.fetch`,
 * the route every other request and the Worker take.
 */
export type HarnessPath = "listener" | "hono";

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
  const server = await listenOnLoopback(getRequestListener(sandbox.fetch));
  return { sandbox, url: urlOf(server), close: () => closeServer(server) };
}

/**
 * The proxy wired as in production, against the sandbox listening on loopback: its own, or `upstream`, one that
 * several harnesses share (replicas behind one load balancer), which the caller then closes.
 */
export async function startHarness(
  options: { sandbox?: Partial<SandboxOptions>; app?: Partial<AppDeps>; listen?: boolean; upstream?: SandboxUpstream; via?: HarnessPath } = {},
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
  // The sidecar's own listener: legacy sends take its direct route, everything else Hono, as `npm start` serves.
  const listener = createNodeListener(app);
  const recordThenServe = (req: IncomingMessage, res: ServerResponse) => {
    if (options.listen) record(req, received);
    listener(req, res);
  };
  const proxy = await listenOnLoopback(recordThenServe);
  return {
    sandbox,
    upstreamUrl,
    app,
    logs,
    proxyUrl: options.listen ? urlOf(proxy) : PROXY,
    received,
    call: (request, how = {}) => (options.via === "hono" ? inProcess(app, request, how) : overLoopback(proxy, request, how)),
    close: async () => {
      void upstreamFetch.close();
      await closeServer(proxy);
      await ownUpstream?.close();
    },
  };
}

/**
 * What a real client sent, as it arrived: the body copied as Node's parser pushes it into the request, so that
 * whichever path reads it (the direct route at once, Hono later) still gets every byte.
 */
function record(req: IncomingMessage, received: ReceivedRequest[]): void {
  const chunks: Buffer[] = [];
  const push = req.push.bind(req);
  req.push = (chunk: Buffer | null, encoding?: BufferEncoding) => {
    if (chunk) chunks.push(Buffer.from(chunk));
    else {
      const header = (name: string) => headerOf(req.rawHeaders, name);
      const url = req.url!.startsWith("/") ? `http://${req.headers.host}${req.url}` : req.url!;
      received.push({
        method: req.method!,
        url,
        contentType: header("content-type"),
        authorization: header("authorization"),
        body: Buffer.concat(chunks).toString(),
      });
    }
    return push(chunk, encoding);
  };
}

/** Through `app.fetch` in this process; a chunked body as a stream of two pieces, with no length to declare. */
async function inProcess(app: { fetch(request: Request): Response | Promise<Response> }, request: Request, how: CallOptions): Promise<Response> {
  if (!how.chunked || !request.body) return app.fetch(request);
  const body = new Uint8Array(await request.arrayBuffer());
  const pieces = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(body.subarray(0, body.length >> 1));
      controller.enqueue(body.subarray(body.length >> 1));
      controller.close();
    },
  });
  return app.fetch(new Request(request.url, { method: request.method, headers: request.headers, body: pieces, duplex: "half" } as RequestInit));
}

/**
 * Sends a request addressed to any host (http://proxy.test by default) to the listener on loopback, with that
 * host in its Host header, as a client behind DNS would. The body goes with its Content-Length, or in two pieces
 * without one when `how.chunked` says so.
 */
async function overLoopback(server: Server, request: Request, how: CallOptions): Promise<Response> {
  const target = new URL(request.url);
  const headers: Record<string, string> = { host: target.host };
  for (const [name, value] of request.headers) headers[name] = value;
  const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
  if (body && !how.chunked) headers["content-length"] = String(body.byteLength);
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method: request.method, path: target.pathname + target.search, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const answer = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) answer.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        const bytes = Buffer.concat(chunks);
        resolve(new Response(res.statusCode === 204 || res.statusCode === 304 ? null : bytes, { status: res.statusCode!, headers: answer }));
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    if (!body || !how.chunked) return void req.end(body);
    // A write before the end sends the head without a length, chunked: `end(body)` alone would count it.
    req.write(body.subarray(0, body.length >> 1));
    req.end(body.subarray(body.length >> 1));
  });
}

async function listenOnLoopback(listener: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const server = createServer(listener);
  // Node's default backlog (511) drops the SYNs of a burst of a thousand clients, which retry a second later: the
  // burst would arrive in waves that no real deployment's clients make.
  server.listen({ port: 0, host: "127.0.0.1", backlog: 4_096 });
  await new Promise((resolve) => server.once("listening", resolve));
  return server;
}

const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

function closeServer(server: Server): Promise<void> {
  // Legacy clients keep connections alive; without this the close would wait for their idle timeout.
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

export const PROXY = "http://proxy.test";
