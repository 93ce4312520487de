import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { DirectRoute, LogLine } from "../app";
import { BridgeError } from "../core/errors";
import type { Answer } from "../dialects/response";
import type { IncomingCall } from "../http/incoming-call";

// The hosts and request targets @hono/node-server turns into a URL as they are, without parsing (its src/url.ts).
// A request with any other is served through Hono, which normalizes or refuses it: one request, one URL, either way.
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;
const PLAIN_TARGET = /^\/[!#$&-;=?-[\]_a-z~]*$/;
const DOT_SEGMENT = /\/\.\.?(?:[/?#]|$)/;

interface ServedApp {
  fetch(request: Request): Response | Promise<Response>;
  directRoute(method: string, pathname: string): DirectRoute | undefined;
}

/**
 * The sidecar's request listener. A legacy send (POST to a dialect's path), a probe or the scrape (GET or HEAD
 * /healthz, /readyz, /metrics) goes from Node's request straight to the app's core function for that route, and its answer
 * straight to Node's response; everything else goes through Hono as on Workers. Building a web Request and Response
 * around each message cost about a tenth of its CPU (docs/benchmarks.md); the core function, its frame and its
 * answers are the same on both paths. Hono's Node adapter is loaded on the first request it serves: it loads Node's
 * fetch classes (4 MB more resident in the sidecar, docs/benchmarks.md), which a sidecar that only sends, is probed
 * and is scraped never needs.
 */
export function createNodeListener(app: ServedApp, log?: (line: LogLine) => void): (req: IncomingMessage, res: ServerResponse) => void {
  let viaHono: Promise<(req: IncomingMessage, res: ServerResponse) => Promise<void>> | undefined;
  return (req, res) => {
    // HEAD is GET without the body, which Node leaves out of the answer to a HEAD by itself.
    const method = req.method === "HEAD" ? "GET" : req.method;
    const direct = method === "POST" || method === "GET" ? directCallOf(app, req, method) : undefined;
    if (!direct) {
      viaHono ??= import("@hono/node-server").then(({ getRequestListener }) => getRequestListener(app.fetch));
      viaHono.then(
        (listener) => listener(req, res),
        (thrown) => {
          // Said once per failed import; the next request tries again. Sends and probes are served meanwhile.
          if (viaHono) log?.({ level: "error", error: "internal", detail: `@hono/node-server: ${(thrown as Error)?.name}` });
          viaHono = undefined;
          answerBare500(res);
        },
      );
      return;
    }
    // The frame answers every failure in the client's dialect, so the route does not reject; writing can still fail
    // (a header value Node refuses): the client then gets a bare 500, or its connection closed, never a hang.
    void direct.route(direct.call).then((answer) => {
      try {
        writeAnswer(req, res, answer);
      } catch {
        answerBare500(res);
      }
    });
  };
}

function answerBare500(res: ServerResponse): void {
  if (!res.headersSent) res.writeHead(500, { "content-length": "0", connection: "close" }).end();
  else res.destroy();
}

function directCallOf(app: ServedApp, req: IncomingMessage, method: string): { route: DirectRoute; call: IncomingCall } | undefined {
  const target = req.url ?? "";
  const host = req.headers.host;
  if (host === undefined || !PLAIN_HOST.test(host) || !PLAIN_TARGET.test(target) || DOT_SEGMENT.test(target)) return undefined;
  const query = target.indexOf("?");
  const route = app.directRoute(method, query < 0 ? target : target.slice(0, query));
  if (!route) return undefined;
  const scheme = (req.socket as TLSSocket).encrypted ? "https" : "http";
  const call: IncomingCall = {
    method: req.method!,
    url: `${scheme}://${host}${target}`,
    header: (name) => headerOf(req.rawHeaders, name),
    body: (maxBytes) => readBody(req, maxBytes),
  };
  return { route, call };
}

/**
 * A header as a web Request's `headers.get` gives it: every field of that name, joined. Node's own `headers` keeps
 * only the first Authorization or Content-Type, which would let a request read differently on the two paths.
 */
export function headerOf(rawHeaders: readonly string[], name: string): string | null {
  let value: string | null = null;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const field = rawHeaders[i]!;
    if (field.length === name.length && field.toLowerCase() === name) value = value === null ? rawHeaders[i + 1]! : `${value}, ${rawHeaders[i + 1]}`;
  }
  return value;
}

/** The body, as `IncomingCall.body` promises it: refused early on a declared length, and past `maxBytes` read. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () => new BridgeError("body_too_large", { limit: maxBytes });
  if (Number(req.headers["content-length"] ?? "0") > maxBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total <= maxBytes) return void chunks.push(chunk);
      stop();
      reject(tooLarge());
    };
    const onEnd = () => {
      stop();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    // The client went away mid-body, or the connection failed: its fault, a 400 it will not see.
    const onGone = () => {
      stop();
      reject(new BridgeError("param_invalid", { param: "body" }));
    };
    const stop = () => {
      req.off("data", onData).off("end", onEnd).off("error", onGone).off("close", onGone);
    };
    req.on("data", onData).on("end", onEnd).on("error", onGone).on("close", onGone);
  });
}

/**
 * Writes an answer with its length, as the Hono path does: without it Node frames the body in chunks and writes
 * five buffers instead of one. A request whose body was not read to its end closes its connection after the answer.
 */
function writeAnswer(req: IncomingMessage, res: ServerResponse, answer: Answer): void {
  if (res.destroyed) return;
  const body = typeof answer.body === "string" ? answer.body : Buffer.from(answer.body);
  const headers: Record<string, string> = { ...answer.headers, "content-length": String(Buffer.byteLength(body)) };
  if (!req.complete) headers.connection = "close";
  res.writeHead(answer.status, headers);
  res.end(body);
}
