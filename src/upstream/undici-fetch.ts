import type { Dispatcher } from "undici";
// The two parts of undici the sidecar uses, imported alone: its index also loads fetch, WebSocket, caches and more,
// about 16 MB resident that the sidecar never uses (72 against 55 MB after one request, docs/benchmarks.md). undici
// is pinned to one version in package.json, so these paths cannot move under us (types: undici-parts.d.ts).
import Agent from "undici/lib/dispatcher/agent.js";
import buildConnector from "undici/lib/core/connect.js";
import type { Socket } from "node:net";
import { skipUnaskedContinue } from "./skip-unasked-continue";
import type { FetchLike, UpstreamResponse } from "./upstream-fetch";

export interface UndiciFetchOptions {
  /** Connections kept open per upstream origin; calls beyond it wait for a free one. */
  connections?: number;
  /** Larger answers are refused (the X API's are a few kB). */
  maxResponseBytes?: number;
}

/**
 * The Node sidecar's upstream client: an undici connection pool per origin, kept alive (no TCP or TLS handshake
 * per message), driven through `dispatch` with a handler that collects the answer's bytes. That skips the
 * stream, promise and AbortSignal that `request` builds for every call: the answers are a few kB and read whole.
 * Node only: imported by adapters/node.ts, never by the shared core. Like fetch, it never retries a request.
 */
const decoder = new TextDecoder();

export function createUndiciFetch(options: UndiciFetchOptions = {}): FetchLike & { close(): Promise<void> } {
  const connect = buildConnector({ timeout: 10_000 });
  const agent = new Agent({
    connect: (connectOptions, callback) =>
      connect(connectOptions, (err, socket) => (err ? callback(err, null) : callback(null, skipUnaskedContinue(socket as Socket)))),
    connections: options.connections ?? 256,
    pipelining: 1,
    maxResponseSize: options.maxResponseBytes ?? 8 * 2 ** 20,
  });
  const send: FetchLike = (r) =>
    new Promise((resolve, reject) => {
      const { origin, path } = splitUrl(r.url);
      let status = 0;
      let headers: Record<string, string | string[] | undefined> = {};
      let chunks: Buffer[] = [];
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(controller) {
          r.deadline.onExpire(() => controller.abort(new Error("upstream deadline")));
        },
        onResponseStart(_controller, statusCode, responseHeaders) {
          // Informational answers (102, 103) come first without a body, and the final one replaces them. An unasked-for
          // 100 never reaches here: skipUnaskedContinue drops it before undici's parser would call it a protocol error.
          status = statusCode;
          headers = responseHeaders;
          chunks = [];
        },
        onResponseData(_controller, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          resolve(toResponse(status, headers, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
        },
        onResponseError(_controller, err) {
          reject(err);
        },
      };
      agent.dispatch({ origin, path, method: r.method, headers: r.headers, body: r.body ?? null }, handler);
    });
  return Object.assign(send, { close: () => agent.destroy() });
}

/** `url` is a URL's canonical href (the caller built it with `new URL`), so its path starts at the first slash. */
export function splitUrl(url: string): { origin: string; path: string } {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  return slash < 0 ? { origin: url, path: "/" } : { origin: url.slice(0, slash), path: url.slice(slash) };
}

function toResponse(status: number, headers: Record<string, string | string[] | undefined>, bytes: Buffer): UpstreamResponse {
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: {
      get(name) {
        const v = headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
      },
    },
    text: () => Promise.resolve(decoder.decode(bytes)),
    arrayBuffer: () => Promise.resolve(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer),
  };
}
