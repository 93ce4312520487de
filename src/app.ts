import { Hono, type Context } from "hono";
import type { CredentialStore } from "./auth/credential-store";
import { createMemoryNonceStore, type NonceStore } from "./auth/nonce-store";
import { BridgeError, toBridgeError } from "./core/errors";
import type { Dialect, Format } from "./dialects/dialect";
import { DIALECTS, createDialectFinder, routeTable } from "./dialects/registry";
import { errorResponse, formatOfPath, gatewayHeaders, toResponse, type GatewayStamp } from "./dialects/response";
import type { HmacSha1 } from "./oauth/signature";
import { sendDirectMessage, type SendServices, type Trace } from "./send-direct-message";
import type { SendBudget } from "./auth/send-budget";
import type { FetchLike } from "./upstream/upstream-fetch";
import { createXApi } from "./upstream/x-api";
import { createXApiV2 } from "./upstream/x-api-v2";
import type { UpstreamApi } from "./config";
import { createUpstreamSigner } from "./upstream/upstream-signer";
import { echoableSearch } from "./http/form";
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

type Env = { Variables: { dialect: Dialect; format: Format; path: string; trace: Trace; requestId: string; errorKind: string } };

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
  const app = new Hono<Env>();

  /**
   * What every route does around its own work: picks the dialect to answer in (before anything that could throw),
   * the request id, renders an error in that dialect, writes one log line. A wrapper in each route rather than
   * a middleware: a path with one handler takes Hono's direct dispatch, without composing a middleware chain.
   */
  function answerInDialect(work: (c: Context<Env>) => Response | Promise<Response>, dialect?: Dialect) {
    return async (c: Context<Env>): Promise<Response> => {
      const url = new URL(c.req.url);
      c.set("dialect", dialect ?? dialectForPath(url.pathname));
      c.set("format", formatOfPath(url.pathname));
      c.set("path", url.pathname + echoableSearch(url.search));
      const trace: Trace = {};
      c.set("trace", trace);
      const started = deps.clock();
      deps.observer?.requestStarted();
      c.set("requestId", deps.randomId().slice(0, 16));
      let res: Response;
      try {
        res = await work(c);
      } catch (thrown) {
        res = respondWithError(c, thrown);
      }
      deps.log?.({
        id: c.get("requestId"),
        method: c.req.method,
        path: url.pathname,
        dialect: c.get("dialect").name,
        status: res.status,
        upstream: trace.upstreamStatus,
        error: c.get("errorKind"),
        ms: deps.clock() - started,
      });
      const labels = { dialect: c.get("dialect").name, format: c.get("format"), status: res.status };
      deps.observer?.requestEnded(labels, (deps.clock() - started) / 1000);
      return res;
    };
  }

  function respondWithError(c: Context<Env>, thrown: unknown): Response {
    const error = toBridgeError(thrown);
    c.get("trace").upstreamStatus ??= error.detail.upstreamStatus;
    const refusal = deps.observer && refusalReason(error);
    if (refusal) deps.observer!.refused(refusal);
    if (error.kind === "internal") deps.log?.({ level: "error", error: "internal", detail: String((thrown as Error)?.name) });
    c.set("errorKind", error.kind);
    return errorResponse(c.get("dialect"), error, renderContextOf(c), stampOf(c));
  }

  const stampOf = (c: Context<Env>): GatewayStamp => ({ requestId: c.get("requestId"), upstreamLabel: deps.upstreamLabel });

  // Liveness: 200 whenever the process can answer. A degraded shared state is reported, not failed: a Redis outage
  // must not make an orchestrator restart every replica.
  const health = () => ({
    status: "ok",
    upstream: deps.upstreamLabel ?? "x-api",
    ...(deps.sharedState ? { shared_state: deps.sharedState.status() } : {}),
  });

  const onlyPost = (c: Context<Env>) => {
    if (c.req.method !== "POST") throw new BridgeError("method_not_allowed");
    if (deps.lifecycle?.draining()) throw new BridgeError("unavailable", { headers: RETRY_SOON });
  };

  const json = (c: Context<Env>, status: number, value: unknown) =>
    toResponse({ status, contentType: "application/json", body: JSON.stringify(value) }, stampOf(c));

  app.get(
    "/healthz",
    answerInDialect((c) => json(c, 200, health())),
  );
  // Readiness: a load balancer stops sending here from the moment a drain starts, while in-flight work finishes.
  app.get(
    "/readyz",
    answerInDialect((c) => (deps.lifecycle?.draining() ? json(c, 503, { status: "draining" }) : json(c, 200, { status: "ready" }))),
  );
  if (deps.metrics) {
    const { token, render } = deps.metrics;
    app.get(
      "/metrics",
      answerInDialect(async (c) => {
        if (token !== undefined && !constantTimeEqual(c.req.header("authorization") ?? "", `Bearer ${token}`)) {
          const refused = {
            status: 401,
            contentType: "text/plain; charset=utf-8",
            body: "unauthorized\n",
            headers: { "www-authenticate": 'Bearer realm="metrics"' },
          };
          return toResponse(refused, stampOf(c));
        }
        const scrape = await render();
        return toResponse({ status: 200, contentType: scrape.contentType, body: scrape.body }, stampOf(c));
      }),
    );
  }

  for (const { path, format, dialect } of routeTable(dialects, preferred)) {
    app.all(
      path,
      answerInDialect(async (c) => {
        onlyPost(c);
        const renderContext = { format, requestPath: c.get("path") };
        return toResponse(await sendDirectMessage(c.req.raw, dialect, renderContext, services, c.get("trace")), stampOf(c));
      }, dialect),
    );
  }

  const passthrough = { fetch, signer: createUpstreamSigner(upstream), timeoutMs: deps.upstreamTimeoutMs };
  app.all(
    NATIVE_EVENTS_PATH,
    answerInDialect(async (c) => {
      onlyPost(c);
      const answer = await passThroughNativeEvent(c.req.raw, services, passthrough, c.get("trace"));
      for (const [name, value] of Object.entries(gatewayHeaders(stampOf(c)))) answer.headers.set(name, value);
      return answer;
    }),
  );

  app.notFound(
    answerInDialect(() => {
      throw new BridgeError("route_not_found");
    }),
  );

  // Only reached by a failure outside every frame (none is known): answered in the path's dialect, not as a stack.
  app.onError((thrown, c) => {
    const error = toBridgeError(thrown);
    deps.log?.({ level: "error", error: error.kind, detail: String((thrown as Error)?.name) });
    const renderContext = { format: formatOfPath(c.req.path), requestPath: c.req.path };
    return errorResponse(dialectForPath(c.req.path), error, renderContext, { upstreamLabel: deps.upstreamLabel });
  });

  return app;
}

const RETRY_SOON = { "retry-after": "1" };

function admitSend(lifecycle: Lifecycle) {
  return () => {
    if (!lifecycle.maySend()) throw new BridgeError("unavailable", { headers: RETRY_SOON });
  };
}

function renderContextOf(c: { get(key: "format"): Format; get(key: "path"): string }) {
  return { format: c.get("format"), requestPath: c.get("path") };
}
