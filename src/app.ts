import { Hono, type Context } from "hono";
import type { CredentialStore } from "./auth/credential-store";
import { createMemoryNonceStore, type NonceStore } from "./auth/nonce-store";
import { BridgeError, toBridgeError } from "./core/errors";
import type { Dialect, Format } from "./dialects/dialect";
import { DIALECTS, createDialectFinder, routeTable, type ServedRoute } from "./dialects/registry";
import { errorAnswer, formatOfPath, gatewayHeaders, responseOf, toAnswer, type Answer, type GatewayStamp } from "./dialects/response";
import type { HmacSha1 } from "./oauth/signature";
import { sendDirectMessage, type SendServices, type Trace } from "./send-direct-message";
import type { SendBudget } from "./auth/send-budget";
import type { FetchLike } from "./upstream/upstream-fetch";
import { createXApi } from "./upstream/x-api";
import { createXApiV2 } from "./upstream/x-api-v2";
import type { UpstreamApi } from "./config";
import { createUpstreamSigner } from "./upstream/upstream-signer";
import { echoableSearch } from "./http/form";
import { callOfRequest, type IncomingCall } from "./http/incoming-call";
import { NATIVE_EVENTS_PATH, passThroughNativeEvent } from "./native-passthrough";
import { observeFetch, refusalReason, type AppObserver } from "./observe";
import { constantTimeEqual } from "./oauth/signature";
import type { SharedUserStore } from "./users/user-cache";
import { createUserDirectory, DEFAULT_USER_DIRECTORY, type UserDirectoryOptions } from "./users/user-directory";

export type LogLine = Record<string, string | number | undefined>;

export interface AppDeps {
  fetch: FetchLike;
  hmac: HmacSha1;
  clock: () => number;
  /** Unpredictable token for OAuth nonces and request ids. */
  randomId: () => string;
  credentials: CredentialStore;
  upstreamUrl: string;
  upstreamTimeoutMs: number;
  /** Which X API sends and resolves: v1.1 events and users/lookup (default), or v2 DM conversations and users. */
  upstreamApi?: UpstreamApi;
  publicBaseUrl?: string;
  /** Believe X-Forwarded-Proto / X-Forwarded-Host for the signed URL: only behind a proxy that sets them. */
  trustForwardedHeaders?: boolean;
  /** Refuses sends early once the configured daily budgets are spent. */
  sendBudget?: SendBudget;
  timestampWindowSec?: number;
  maxBodyBytes?: number;
  nonces?: NonceStore;
  userCache?: UserDirectoryOptions;
  /** Second cache tier shared across processes or isolates (Workers KV); memory only without it. */
  sharedUserStore?: SharedUserStore;
  dialects?: readonly Dialect[];
  /** Names of dialects that serve a path they share with another (UNVERSIONED_ERROR_FORM=sina: "sina-weibo"). */
  preferredDialects?: readonly string[];
  /** One structured line per request; never given a secret, a query string or a message text. */
  log?: (line: LogLine) => void;
  /** Set to "sandbox" when the upstream is the built-in sandbox, so every answer says so. */
  upstreamLabel?: string;
  /** State shared across processes (Redis): /healthz reports whether it is in use or the process fell back. */
  sharedState?: { status(): SharedStateStatus };
  /** Told by the runtime when it stops (Node's graceful drain); without it the app is always ready. */
  lifecycle?: Lifecycle;
  /** Counts requests, refusals and upstream calls (Prometheus on Node). */
  observer?: AppObserver;
  /** Serves GET /metrics: the scrape body, behind `Authorization: Bearer <token>` when a token is set. */
  metrics?: { token?: string; render(): Promise<{ contentType: string; body: string }> };
}

export interface Lifecycle {
  /** True from the moment a drain starts: /readyz answers 503, and a request that arrives then is refused with 503. */
  draining(): boolean;
  /** False once a send started now could outlast the drain's deadline: it is refused (503) rather than cut. */
  maySend(): boolean;
}

export type SharedStateStatus = "shared" | "degraded";

/** What one request's frame knows: the dialect and format it answers in, its request id, its upstream trace. */
interface Frame {
  dialect: Dialect;
  format: Format;
  /** The path and its echoable query, as error documents quote it. */
  path: string;
  trace: Trace;
  stamp: GatewayStamp;
}

/**
 * The core function behind one route (a legacy send, a probe, the scrape), for a runtime that serves it without Hono.
 * It never rejects.
 */
export type DirectRoute = (call: IncomingCall) => Promise<Answer>;

export function createApp(deps: AppDeps) {
  const dialects = deps.dialects ?? DIALECTS;
  const preferred = deps.preferredDialects ?? [];
  const fetch = deps.observer ? observeFetch(deps.fetch, deps.observer, deps.clock) : deps.fetch;
  const upstream = {
    fetch,
    baseUrl: deps.upstreamUrl,
    timeoutMs: deps.upstreamTimeoutMs,
    hmac: deps.hmac,
    clock: deps.clock,
    nonce: deps.randomId,
  };
  const xApi = deps.upstreamApi === "v2" ? createXApiV2(upstream) : createXApi(upstream);
  const services: SendServices = {
    xApi,
    users: createUserDirectory(xApi.lookupUsers, deps.userCache ?? DEFAULT_USER_DIRECTORY, deps.sharedUserStore, deps.observer, xApi.lookupRefusal),
    maxBodyBytes: deps.maxBodyBytes ?? 65_536,
    publicBaseUrl: deps.publicBaseUrl,
    trustForwardedHeaders: deps.trustForwardedHeaders ?? false,
    budget: deps.sendBudget,
    admitSend: deps.lifecycle && admitSend(deps.lifecycle),
    auth: {
      credentials: deps.credentials,
      nonces: deps.nonces ?? createMemoryNonceStore(),
      hmac: deps.hmac,
      clock: deps.clock,
      timestampWindowSec: deps.timestampWindowSec ?? 300,
    },
  };

  const dialectForPath = createDialectFinder(dialects, preferred);
  const app = new Hono();

  /**
   * What every route does around its own work: picks the dialect to answer in (before anything that could throw),
   * the request id, renders an error in that dialect, writes one log line. One function for Hono's routes and for
   * a runtime's direct route, so both answer and log alike.
   */
  async function answerInDialect(
    call: { method: string; url: string },
    dialect: Dialect | undefined,
    work: (frame: Frame) => Answer | Promise<Answer>,
  ): Promise<Answer> {
    const { pathname, search } = pathAndSearch(call.url);
    const frame: Frame = {
      dialect: dialect ?? dialectForPath(pathname),
      format: formatOfPath(pathname),
      path: pathname + echoableSearch(search),
      trace: {},
      stamp: { requestId: deps.randomId().slice(0, 16), upstreamLabel: deps.upstreamLabel },
    };
    const started = deps.clock();
    deps.observer?.requestStarted();
    let answer: Answer;
    let errorKind: string | undefined;
    try {
      answer = await work(frame);
    } catch (thrown) {
      const error = toBridgeError(thrown);
      errorKind = error.kind;
      answer = answerError(frame, error, thrown);
    }
    deps.log?.({
      id: frame.stamp.requestId,
      method: call.method,
      path: pathname,
      dialect: frame.dialect.name,
      status: answer.status,
      upstream: frame.trace.upstreamStatus,
      error: errorKind,
      ms: deps.clock() - started,
    });
    deps.observer?.requestEnded({ dialect: frame.dialect.name, format: frame.format, status: answer.status }, (deps.clock() - started) / 1000);
    return answer;
  }

  function answerError(frame: Frame, error: BridgeError, thrown: unknown): Answer {
    frame.trace.upstreamStatus ??= error.detail.upstreamStatus;
    const refusal = deps.observer && refusalReason(error);
    if (refusal) deps.observer!.refused(refusal);
    if (error.kind === "internal") deps.log?.({ level: "error", error: "internal", detail: String((thrown as Error)?.name) });
    return errorAnswer(frame.dialect, error, { format: frame.format, requestPath: frame.path }, frame.stamp);
  }

  /** A Hono handler framed by answerInDialect. */
  const route =
    (work: (frame: Frame, c: Context) => Answer | Promise<Answer>, dialect?: Dialect) =>
    async (c: Context): Promise<Response> =>
      responseOf(await answerInDialect(c.req, dialect, (frame) => work(frame, c)));

  /** Each route a runtime may serve without Hono, by method and path: the same framed function as Hono's route. */
  const directRoutes = new Map<string, DirectRoute>();

  /**
   * A GET route served by Hono and, on the Node sidecar, directly: probes and scrapes then never build a web Request
   * or Response, so a sidecar that only sends, is probed and is scraped never loads Node's fetch classes (4 MB
   * more resident, docs/benchmarks.md).
   */
  const get = (path: string, work: (frame: Frame, call: IncomingCall) => Answer | Promise<Answer>) => {
    app.get(
      path,
      route((frame, c) => work(frame, callOfRequest(c.req.raw))),
    );
    directRoutes.set(`GET ${path}`, (call) =>
      answerInDialect(call, undefined, (frame) => work(frame, call)).catch((thrown) => answerOutsideFrame(path, thrown)),
    );
  };

  // Liveness: 200 whenever the process can answer. A degraded shared state is reported, not failed: a Redis outage
  // must not make an orchestrator restart every replica.
  const health = () => ({
    status: "ok",
    upstream: deps.upstreamLabel ?? "x-api",
    ...(deps.sharedState ? { shared_state: deps.sharedState.status() } : {}),
  });

  const onlyPost = (method: string) => {
    if (method !== "POST") throw new BridgeError("method_not_allowed");
    if (deps.lifecycle?.draining()) throw new BridgeError("unavailable", { headers: RETRY_SOON });
  };

  const json = (frame: Frame, status: number, value: unknown) =>
    toAnswer({ status, contentType: "application/json", body: JSON.stringify(value) }, frame.stamp);

  get("/healthz", (frame) => json(frame, 200, health()));
  // Readiness: a load balancer stops sending here from the moment a drain starts, while in-flight work finishes.
  get("/readyz", (frame) => (deps.lifecycle?.draining() ? json(frame, 503, { status: "draining" }) : json(frame, 200, { status: "ready" })));
  if (deps.metrics) {
    const { token, render } = deps.metrics;
    get("/metrics", async (frame, call) => {
      if (token !== undefined && !constantTimeEqual(call.header("authorization") ?? "", `Bearer ${token}`)) {
        const refused = {
          status: 401,
          contentType: "text/plain; charset=utf-8",
          body: "unauthorized\n",
          headers: { "www-authenticate": 'Bearer realm="metrics"' },
        };
        return toAnswer(refused, frame.stamp);
      }
      const scrape = await render();
      return toAnswer({ status: 200, contentType: scrape.contentType, body: scrape.body }, frame.stamp);
    });
  }

  /** One legacy send, framed: the same function for Hono's route and for a runtime's direct route. */
  const legacySend = (call: IncomingCall, { format, dialect }: ServedRoute) =>
    answerInDialect(call, dialect, async (frame) => {
      onlyPost(call.method);
      const renderContext = { format, requestPath: frame.path };
      return toAnswer(await sendDirectMessage(call, dialect, renderContext, services, frame.trace), frame.stamp);
    });

  for (const served of routeTable(dialects, preferred)) {
    app.all(served.path, async (c) => responseOf(await legacySend(callOfRequest(c.req.raw), served)));
    // Only POST: any other method goes through Hono, which refuses it in the path's dialect.
    directRoutes.set(`POST ${served.path}`, (call) => legacySend(call, served).catch((thrown) => answerOutsideFrame(served.path, thrown)));
  }

  const passthrough = { fetch, signer: createUpstreamSigner(upstream), timeoutMs: deps.upstreamTimeoutMs };
  app.all(
    NATIVE_EVENTS_PATH,
    route(async (frame, c) => {
      onlyPost(c.req.method);
      const answer = await passThroughNativeEvent(c.req.raw, services, passthrough, frame.trace);
      return { ...answer, headers: { ...answer.headers, ...gatewayHeaders(frame.stamp) } };
    }),
  );

  app.notFound(
    route(() => {
      throw new BridgeError("route_not_found");
    }),
  );

  // Only reached by a failure outside every frame (the frame's own start failing): answered in the path's dialect,
  // not as a stack.
  function answerOutsideFrame(pathname: string, thrown: unknown): Answer {
    const error = toBridgeError(thrown);
    deps.log?.({ level: "error", error: error.kind, detail: String((thrown as Error)?.name) });
    const renderContext = { format: formatOfPath(pathname), requestPath: pathname };
    return errorAnswer(dialectForPath(pathname), error, renderContext, { upstreamLabel: deps.upstreamLabel });
  }
  app.onError((thrown, c) => responseOf(answerOutsideFrame(c.req.path, thrown)));

  /**
   * The core function behind a route a runtime may serve without Hono (the Node sidecar): a legacy send (POST), a
   * probe or the scrape (GET). Anything else is Hono's.
   */
  const directRoute = (method: string, pathname: string): DirectRoute | undefined => directRoutes.get(`${method} ${pathname}`);
  return Object.assign(app, { directRoute });
}

/** The path and query of an absolute URL (a canonical href, as runtimes give it), read from the string. */
function pathAndSearch(url: string): { pathname: string; search: string } {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  if (slash < 0) return { pathname: "/", search: "" };
  const query = url.indexOf("?", slash);
  const hash = url.indexOf("#", slash);
  const end = hash < 0 ? url.length : hash;
  if (query < 0 || query > end) return { pathname: url.slice(slash, end), search: "" };
  // As URL's `search`: a lone "?" is no query.
  return { pathname: url.slice(slash, query), search: query + 1 === end ? "" : url.slice(query, end) };
}

const RETRY_SOON = { "retry-after": "1" };

function admitSend(lifecycle: Lifecycle) {
  return () => {
    if (!lifecycle.maySend()) throw new BridgeError("unavailable", { headers: RETRY_SOON });
  };
}
