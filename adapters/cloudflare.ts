import { createAppFromConfig, dailyLimitsOf } from "../src/app-from-config";
import { createDurableState, parseDurableStateSettings, type StateNamespace } from "../src/auth/durable-state";
import { createKvNonceStore } from "../src/auth/kv-nonce-store";
import { createMemoryNonceStore } from "../src/auth/nonce-store";
import { createMemorySendBudget } from "../src/auth/send-budget";
import { type Config, ConfigError, parseConfig } from "../src/config";
import { BridgeError } from "../src/core/errors";
import { createDialectFinder } from "../src/dialects/registry";
import { errorResponse, formatOfPath } from "../src/dialects/response";
import { createHmacSha1 } from "../src/oauth/hmac-sha1";
import { createKvUserStore, type KvNamespaceLike } from "../src/users/kv-user-store";
import { fromFetch } from "../src/upstream/upstream-fetch";

export { DmBridgeState } from "./cloudflare-state";

const WORKER_MAX_NONCES = 200_000;

/** The bindings of wrangler.toml: vars and the secret arrive as strings, KV as a namespace. */
export interface WorkerEnv {
  UPSTREAM_URL?: string;
  UPSTREAM_TIMEOUT_MS?: string;
  DM_PROXY_CREDENTIALS?: string;
  /** Any other variable of docs/configuration.md, as a var. */
  [name: string]: string | KvNamespaceLike | StateNamespace | undefined;
  DM_BRIDGE_KV?: KvNamespaceLike;
  /** Optional Durable Object namespace of the DmBridgeState class: nonces and budgets kept strongly consistent. */
  DM_BRIDGE_STATE?: StateNamespace;
}

// Never resolved: with no DM_PROXY_CREDENTIALS the upstream calls go to the sandbox in this isolate, not the network.
const SANDBOX_ORIGIN = "http://sandbox.invalid";

const hmac = createHmacSha1();
const log = (line: object) => console.log(JSON.stringify(line));
function randomId(): string {
  let hex = "";
  for (const b of crypto.getRandomValues(new Uint8Array(16))) hex += b.toString(16).padStart(2, "0");
  return hex;
}

type Sandbox = import("./chunks/sandbox.mjs").Sandbox;
/**
 * The sandbox is a module of its own (wrangler.toml: [build] and find_additional_modules), imported on the first
 * upstream call of an unconfigured Worker: a configured one never loads it. One per app, as before.
 */
function lazySandbox(): (request: Request) => Promise<Response> {
  let sandbox: Promise<Sandbox> | undefined;
  return async (request) => {
    sandbox ??= import("./chunks/sandbox.mjs").then((m) => m.createSandbox({ hmac, clock: Date.now }));
    return (await sandbox).fetch(request);
  };
}

/** The part of the Workers ExecutionContext the adapter uses. */
interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

type Handler = (request: Request, ctx?: WaitUntil) => Response | Promise<Response>;

// One app per env object, which an isolate keeps for every request it serves: caches and nonces live as long.
const handlers = new WeakMap<WorkerEnv, Handler>();

function buildHandler(env: WorkerEnv): Handler {
  const { DM_BRIDGE_KV: kv, DM_BRIDGE_STATE: stateObjects, ...vars } = env;
  let config: Config;
  let shared: ReturnType<typeof parseDurableStateSettings>;
  try {
    config = parseConfig(vars as Record<string, string | undefined>, () => {
      throw new ConfigError("DM_PROXY_CREDENTIALS_FILE does not exist on Workers: put the DM_PROXY_CREDENTIALS secret");
    });
    shared = parseDurableStateSettings(vars as Record<string, string | undefined>, stateObjects !== undefined);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return refuseMisconfigured(err);
  }
  const sandbox = config.upstreamUrl ? undefined : lazySandbox();
  const userStore = kv && createKvUserStore(kv);
  const limits = dailyLimitsOf(config);
  // Without DM_BRIDGE_STATE, counted per isolate: a daily limit is a ceiling per isolate, not across the deployment.
  const localBudget = limits && createMemorySendBudget(limits, Date.now);
  // An isolate has 128 MB; 200,000 keys (about 8 MB) are 300 s of 660 messages a second, more than one isolate serves.
  const memoryNonces = createMemoryNonceStore(WORKER_MAX_NONCES);
  // With DM_BRIDGE_STATE the objects keep nonces and budgets; KV stays the user cache's shared tier.
  const durable =
    stateObjects &&
    createDurableState({ namespace: stateObjects, local: { nonces: memoryNonces, budget: localBudget }, limits, ...shared, clock: Date.now, log });
  const app = createAppFromConfig(config, {
    fetch: fromFetch(sandbox ? (url, init) => sandbox(new Request(url, init)) : (url, init) => fetch(url, init)),
    hmac,
    clock: Date.now,
    randomId,
    upstreamUrl: config.upstreamUrl ?? SANDBOX_ORIGIN,
    sendBudget: durable ? durable.budget : localBudget,
    sharedUserStore: userStore,
    nonces: durable
      ? durable.nonces
      : kv
        ? createKvNonceStore(kv, { local: memoryNonces, onKvError: () => log({ level: "warn", event: "kv_unavailable" }) })
        : memoryNonces,
    sharedState: durable,
    log,
  });
  return async (request, ctx) => {
    const response = await app.fetch(request);
    // Cache writes a request started run past its answer; the isolate must not be stopped under them.
    if (userStore) ctx?.waitUntil(userStore.settled());
    return response;
  };
}

/** A broken configuration is the operator's to read in the log; the client gets its dialect's internal error. */
function refuseMisconfigured(err: ConfigError): Handler {
  const dialectForPath = createDialectFinder();
  return (request) => {
    console.error(`dm-bridge: configuration error: ${err.message}`);
    const { pathname } = new URL(request.url);
    return errorResponse(dialectForPath(pathname), new BridgeError("internal"), { format: formatOfPath(pathname), requestPath: pathname });
  };
}

export default {
  fetch(request: Request, env: WorkerEnv, ctx?: WaitUntil): Response | Promise<Response> {
    let handler = handlers.get(env);
    if (!handler) handlers.set(env, (handler = buildHandler(env)));
    return handler(request, ctx);
  },
};
