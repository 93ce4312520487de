import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { Response as MiniflareResponse, type Request as MiniflareRequest } from "miniflare";
import { createHmac } from "node:crypto";
import { defineConfig } from "vitest/config";
import { createSandbox } from "./src/sandbox/sandbox-app";
import { DEMO_CREDENTIALS } from "./src/sandbox/sandbox-users";
import { buildWorkerBundle } from "./scripts/worker-bundle";

/**
 * The workerd suite. The tests run inside workerd, and they talk to the Worker as it deploys: the bundle of
 * `wrangler deploy --dry-run`, loaded as separate Workers with wrangler.toml's compatibility date and flags, so
 * without nodejs_compat (which the test runner's own isolate has to have). A Node-only API in src/ fails here.
 */
const bundle = buildWorkerBundle(".wrangler/vitest-bundle");

const nodeHmac = (key: string, data: string) => createHmac("sha1", key).update(data).digest("base64");
// The X API for the Worker configured with DM_PROXY_CREDENTIALS: its global fetch lands in this sandbox.
const xApi = createSandbox({ hmac: nodeHmac, clock: Date.now });

/** A Worker's global fetch (its outbound service): https://api.x.test lands in `sandbox`, nothing else leaves. */
function answeredBy(sandbox: ReturnType<typeof createSandbox>) {
  return async (request: MiniflareRequest) => {
    if (new URL(request.url).origin !== "https://api.x.test") return new MiniflareResponse("no network in tests", { status: 599 });
    const res = await sandbox.fetch(
      new Request(request.url, { method: request.method, headers: [...request.headers], body: request.body ? await request.text() : undefined }),
    );
    return new MiniflareResponse(await res.text(), { status: res.status, headers: [...res.headers] });
  };
}

function deployed(name: string, vars: Record<string, string> = {}, more: object = {}) {
  return {
    name,
    modules: true,
    scriptPath: bundle.path,
    compatibilityDate: bundle.compatibilityDate,
    compatibilityFlags: bundle.compatibilityFlags,
    bindings: { ...bundle.vars, ...vars },
    ...more,
  };
}

const SHARED_KV = { DM_BRIDGE_KV: "dm-bridge-replay" };

/**
 * do-a and do-b: two Workers bound to one DM_BRIDGE_STATE namespace (the class defined by do-a), sending to one X API
 * sandbox that the tests read through DO_X_API. Each test uses its own consumer or token, so budgets do not mix.
 */
const DO_CREDENTIALS = {
  consumers: {
    "replay-app": "replay-app-secret",
    "user-budget-app": "user-budget-secret",
    "app-budget-app": "app-budget-secret",
    "refused-app": "refused-app-secret",
  },
  tokens: {
    "776627022-replay-1": "replay-1-secret",
    "776627022-replay-2": "replay-2-secret",
    "776627022-user-budget": "user-budget-token-secret",
    "776627022-app-budget-1": "app-budget-1-secret",
    "776627022-app-budget-2": "app-budget-2-secret",
    "776627022-refused": "refused-secret",
  },
};
const doApi = createSandbox({ hmac: nodeHmac, clock: Date.now, ...DO_CREDENTIALS });
const toDoApi = answeredBy(doApi);
const DO_VARS = {
  DM_PROXY_CREDENTIALS: JSON.stringify(DO_CREDENTIALS),
  UPSTREAM_URL: "https://api.x.test",
  DM_DAILY_LIMIT_PER_USER: "3",
  DM_DAILY_LIMIT_PER_APP: "5",
  // Far above a local object's few milliseconds: a loaded test machine must not turn these tests into fallback tests.
  DURABLE_OBJECT_TIMEOUT_MS: "5000",
};
const stateObjects = (className: string, scriptName?: string) => ({
  durableObjects: { DM_BRIDGE_STATE: { className, scriptName, useSQLite: true } },
  outboundService: toDoApi,
});
/** A state object that never answers: the fault the deadline and SHARED_STATE_REQUIRED are for. */
const HANGING_STATE = `import { DurableObject } from "cloudflare:workers";
const never = () => new Promise(() => {});
export class HangingState extends DurableObject { claim() { return never(); } reserve() { return never(); } release() { return never(); } }
export default { fetch: () => new Response("state faults") };`;

export default defineConfig({
  plugins: [
    cloudflareTest({
      miniflare: {
        compatibilityDate: bundle.compatibilityDate,
        // SHARED_KV is the namespace kv-a and kv-b are bound to, so tests can read what they wrote.
        kvNamespaces: { TEST_KV: "TEST_KV", SHARED_KV: SHARED_KV.DM_BRIDGE_KV },
        serviceBindings: {
          SANDBOX_WORKER: "sandbox",
          SANDBOX_WORKER_2: "sandbox-2",
          SINA_WORKER: "sina",
          KV_WORKER_A: "kv-a",
          KV_WORKER_B: "kv-b",
          DO_WORKER_A: "do-a",
          DO_WORKER_B: "do-b",
          DO_FALLBACK_WORKER: "do-fallback",
          DO_REQUIRED_WORKER: "do-required",
          DO_X_API: toDoApi,
          CONFIGURED_WORKER: "configured",
          MISCONFIGURED_WORKER: "misconfigured",
        },
        workers: [
          deployed("sandbox"),
          deployed("sandbox-2"),
          deployed("sina", { UNVERSIONED_ERROR_FORM: "sina" }),
          deployed("kv-a", {}, { kvNamespaces: SHARED_KV }),
          deployed("kv-b", {}, { kvNamespaces: SHARED_KV }),
          deployed(
            "configured",
            {
              DM_PROXY_CREDENTIALS: JSON.stringify(DEMO_CREDENTIALS),
              UPSTREAM_URL: "https://api.x.test",
              PUBLIC_BASE_URL: "https://dm.example.org",
            },
            { outboundService: answeredBy(xApi) },
          ),
          deployed("do-a", DO_VARS, stateObjects("DmBridgeState")),
          deployed("do-b", DO_VARS, stateObjects("DmBridgeState", "do-a")),
          {
            name: "state-faults",
            modules: true,
            script: HANGING_STATE,
            compatibilityDate: bundle.compatibilityDate,
            durableObjects: { HANGING_STATE: { className: "HangingState", useSQLite: true } },
          },
          deployed("do-fallback", { ...DO_VARS, DURABLE_OBJECT_TIMEOUT_MS: "200" }, stateObjects("HangingState", "state-faults")),
          deployed(
            "do-required",
            { ...DO_VARS, DURABLE_OBJECT_TIMEOUT_MS: "200", SHARED_STATE_REQUIRED: "true" },
            stateObjects("HangingState", "state-faults"),
          ),
          deployed("misconfigured", { DM_PROXY_CREDENTIALS: '{"consumers":{"k":"top-secret-value"' }),
        ],
      },
    }),
  ],
  test: {
    include: ["test/workers/**/*.test.ts"],
    testTimeout: 20_000,
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
  },
});
