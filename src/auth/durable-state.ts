import type { SharedStateStatus } from "../app";
import { ConfigError, parseBoolean, parseInteger, type Env } from "../config";
import { BridgeError } from "../core/errors";
import { signerOf, signerOfReplayKey } from "./authenticate";
import { budgetSpent } from "./budget-window";
import type { NonceStore } from "./nonce-store";
import type { SendBudget, SendLimits } from "./send-budget";
import { sha256Hex } from "./sha256-hex";
import type { Reservation } from "./state-object";

/** The RPC methods of the state object (adapters/cloudflare-state.ts), as a stub offers them. */
export interface StateObjectStub {
  claim(nonceKey: string, expiresAt: number): Promise<boolean>;
  reserve(limit: number): Promise<Reservation>;
  release(takenAt: number): Promise<void>;
}

/** The part of a Durable Object namespace binding used here. */
export interface StateNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): StateObjectStub;
}

export interface DurableStateOptions {
  namespace: StateNamespace;
  /** The isolate's own stores: the nonce store is asked first, and both serve alone while the objects fail. */
  local: { nonces: NonceStore; budget: SendBudget | undefined };
  /** Undefined without a daily limit: the objects then keep nonces only. */
  limits: SendLimits | undefined;
  /** SHARED_STATE_REQUIRED: answer 503 rather than fall back to the isolate's memory. */
  required: boolean;
  /** Deadline for one call to an object; past it the call counts as failed. */
  timeoutMs: number;
  clock: () => number;
  log: (line: Record<string, string>) => void;
}

/**
 * The failure policy's two settings. SHARED_STATE_REQUIRED is also the Node sidecar's (for Redis): read here until
 * src/config.ts carries it. Required without the binding is refused: the guarantee asked for cannot be given.
 */
export function parseDurableStateSettings(vars: Env, bound: boolean): Pick<DurableStateOptions, "required" | "timeoutMs"> {
  if (vars.REDIS_URL) throw new ConfigError("REDIS_URL is for the Node sidecar: on Workers, bind the DM_BRIDGE_STATE Durable Object (see wrangler.toml)");
  const required = parseBoolean(vars, "SHARED_STATE_REQUIRED");
  if (required && !bound) {
    throw new ConfigError("SHARED_STATE_REQUIRED=true needs the DM_BRIDGE_STATE Durable Object binding (see wrangler.toml)");
  }
  return { required, timeoutMs: parseInteger(vars, "DURABLE_OBJECT_TIMEOUT_MS", 1_000, 1, 60_000) };
}

/** Retry-After of the 503 sent while the objects cannot be reached and SHARED_STATE_REQUIRED is set. */
const RETRY_AFTER_SEC = "5";

class Deadline extends Error {
  override name = "Deadline";
}

/**
 * Nonces and daily budgets kept in Durable Objects: strongly consistent across every isolate and location. A call
 * that fails or passes its deadline falls back to the isolate's memory (one log line when that starts and one when
 * the objects answer again, per isolate), or, when required, refuses with 503 `unavailable`.
 */
export function createDurableState(options: DurableStateOptions) {
  let degraded = false;

  function answered(): void {
    if (!degraded) return;
    degraded = false;
    options.log({ level: "info", event: "shared_state", state: "shared", store: "durable_object" });
  }

  /** After a failed call: throws `unavailable` when required, else returns and the caller uses its memory. */
  function failed(err: unknown): void {
    if (!degraded) {
      degraded = true;
      // The error's name only: a message could carry anything the runtime put there.
      options.log({ level: "warn", event: "shared_state", state: "degraded", store: "durable_object", error: String((err as Error)?.name) });
    }
    if (options.required) throw new BridgeError("unavailable", { headers: { "retry-after": RETRY_AFTER_SEC } });
  }

  async function call<T>(name: string, use: (stub: StateObjectStub) => Promise<T>): Promise<T> {
    // Named by a hash: an object's name must not hold an access token.
    const stub = options.namespace.get(options.namespace.idFromName(await sha256Hex(name)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Deadline()), options.timeoutMs)));
    try {
      return await Promise.race([use(stub), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  const tokenObject = (signer: string) => `token\n${signer}`;
  const appObject = (consumerKey: string) => `app\n${consumerKey}`;

  const nonces: NonceStore = {
    async remember(key, ttlMs) {
      // A replay into the same isolate is refused without a round trip. Not when required: a request refused with
      // 503 must leave no trace, so that the client can send it again.
      if (!options.required && !(await options.local.nonces.remember(key, ttlMs))) return false;
      const nonceKey = await sha256Hex(key);
      try {
        const fresh = await call(tokenObject(signerOfReplayKey(key)), (s) => s.claim(nonceKey, options.clock() + ttlMs));
        answered();
        return fresh;
      } catch (err) {
        failed(err);
        return true;
      }
    },
  };

  type Taken = { name: string; takenAt: number };
  const giveBack = (taken: readonly Taken[]) =>
    // A send that cannot be given back stays counted: the budget errs on the side of sending less.
    Promise.all(taken.map((t) => call(t.name, (s) => s.release(t.takenAt)).catch(() => undefined)));

  /**
   * The user's budget (token object), then the app's (consumer key object). Two objects cannot share a
   * transaction: a send refused by the second is given back to the first before the refusal is answered.
   */
  async function reserveShared(limits: SendLimits, creds: Parameters<SendBudget["reserve"]>[0]) {
    const budgets = [
      [tokenObject(signerOf(creds.consumerKey, creds.token)), limits.perUser],
      [appObject(creds.consumerKey), limits.perApp],
    ] as const;
    const taken: Taken[] = [];
    try {
      for (const [name, limit] of budgets) {
        if (limit === undefined) continue;
        const r = await call(name, (s) => s.reserve(limit));
        if (!r.ok) throw budgetSpent(r.limit, r.now);
        taken.push({ name, takenAt: r.takenAt });
      }
    } catch (err) {
      await giveBack(taken);
      throw err;
    }
    answered();
    return async () => void (await giveBack(taken));
  }

  const { limits } = options;
  const local = options.local.budget;
  const budget: SendBudget | undefined = limits &&
    local && {
      async reserve(creds) {
        try {
          return await reserveShared(limits, creds);
        } catch (err) {
          if (err instanceof BridgeError) throw err;
          failed(err);
          return local.reserve(creds);
        }
      },
    };

  return { nonces, budget, status: (): SharedStateStatus => (degraded ? "degraded" : "shared") };
}
