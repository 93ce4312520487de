import { BridgeError, classifyXError, PASSED_BACK_HEADERS } from "../core/errors";

/**
 * One upstream call, as plain data: a runtime sends it with whatever client is cheapest there (an undici pool on
 * Node; `fetch(r.url, r)` anywhere else), without building a WHATWG Request per call.
 */
export interface UpstreamRequest {
  method: "GET" | "POST";
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  deadline: Deadline;
}

/**
 * Tells the client when the call's deadline has passed, so that it drops the call. A callback slot rather than an
 * AbortSignal: the Node client aborts through undici's own controller, and building a signal per call cost more
 * than the rest of the call's bookkeeping.
 */
export interface Deadline {
  onExpire(abort: () => void): void;
}

/** The part of a fetch Response the proxy reads; a fetch Response is one. */
export interface UpstreamResponse {
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export type FetchLike = (request: UpstreamRequest) => Promise<UpstreamResponse>;

/** The runtime's own fetch as the upstream client (Workers, or any runtime without a faster one). */
export function fromFetch(f: (url: string, init: RequestInit) => Promise<Response>): FetchLike {
  return (r) => {
    const controller = new AbortController();
    r.deadline.onExpire(() => controller.abort());
    return f(r.url, { method: r.method, headers: r.headers, body: r.body as BodyInit | undefined, signal: controller.signal });
  };
}

export interface UpstreamAnswer {
  status: number;
  json: unknown;
  /** The upstream's rate-limit headers (PASSED_BACK_HEADERS), to keep its quota and pass them back on a send. */
  headers?: Record<string, string>;
}

/**
 * The one place where upstream failures become typed errors: a hang is 504, a refused or reset connection 502,
 * an answer that is not JSON 502, and an X error document keeps its code. The body read shares the deadline.
 */
export async function fetchUpstreamJson(
  fetch: FetchLike,
  request: Omit<UpstreamRequest, "deadline">,
  timeoutMs: number,
  toError: (response: UpstreamResponse, json: unknown) => BridgeError = toUpstreamError,
): Promise<UpstreamAnswer> {
  const { response, body: text } = await fetchWithDeadline(fetch, request, timeoutMs, (r) => r.text());
  const json = parseJsonOrUndefined(text);
  if (response.ok) {
    if (json === undefined) throw new BridgeError("upstream_bad_response", { upstreamStatus: response.status });
    return { status: response.status, json, headers: passedBackHeaders(response) };
  }
  throw toError(response, json);
}

/**
 * One upstream call and the read of its body under one deadline: 504 past it, 502 when the connection fails.
 * Never retries: the callers decide, and a send must not be retried.
 */
export function fetchWithDeadline<T>(
  fetch: FetchLike,
  request: Omit<UpstreamRequest, "deadline">,
  timeoutMs: number,
  read: (response: UpstreamResponse) => Promise<T>,
): Promise<{ response: UpstreamResponse; body: T }> {
  // The deadline is our own timer, cleared on the answer, not only a signal given to the client: fetch follows a
  // signal through a weak reference, and once that is collected the abort never arrives and the call hangs;
  // AbortSignal.timeout would also keep every request alive for the whole timeout (docs/benchmarks.md). One promise
  // settled by whichever comes first: a Promise.race would cost a promise and a microtask per input.
  return new Promise((resolve, reject) => {
    let settled = false;
    let expired = false;
    let abort: (() => void) | undefined;
    const fail = (kind: "upstream_timeout" | "upstream_unreachable") => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new BridgeError(kind));
    };
    const timer = setTimeout(() => {
      expired = true;
      fail("upstream_timeout");
      try {
        abort?.();
      } catch {
        // The call is answered as timed out already; a client that fails to abort changes nothing for the caller.
      }
    }, timeoutMs);
    // An error after the deadline is the abort's own doing: the call timed out.
    const failed = () => fail(expired ? "upstream_timeout" : "upstream_unreachable");
    const slot: Deadline = { onExpire: (f) => (expired ? f() : (abort = f)) };
    const readBody = (response: UpstreamResponse) => {
      if (settled) return;
      run(() => read(response)).then((body) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ response, body });
      }, failed);
    };
    run(() => fetch({ ...request, deadline: slot })).then(readBody, failed);
  });
}

/** A promise of `f()`, also when `f` throws before it returns one or returns a plain value. */
function run<T>(f: () => Promise<T> | T): Promise<T> {
  try {
    return Promise.resolve(f());
  } catch (err) {
    return Promise.reject(err);
  }
}

export function toUpstreamError(response: UpstreamResponse, json: unknown): BridgeError {
  const first = (json as { errors?: { code?: unknown; message?: unknown }[] } | undefined)?.errors?.[0];
  const headers = passedBackHeaders(response);
  if (!first || typeof first.code !== "number") {
    return new BridgeError(response.status === 429 ? "rate_limited" : "upstream_bad_response", {
      upstreamStatus: response.status,
      headers,
    });
  }
  return new BridgeError(classifyXError(first.code, response.status), {
    xCode: first.code,
    xMessage: typeof first.message === "string" ? first.message : undefined,
    upstreamStatus: response.status,
    headers,
  });
}

/** Rate-limit state and Retry-After, which the client must see again whatever the error is. */
export function passedBackHeaders(response: UpstreamResponse): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of PASSED_BACK_HEADERS) {
    const v = response.headers.get(name);
    if (v !== null) headers[name] = v;
  }
  return headers;
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
