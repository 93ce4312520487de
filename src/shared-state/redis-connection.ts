import { Redis } from "ioredis";
import type { LogLine, SharedStateStatus } from "../app";
import { BridgeError } from "../core/errors";

export interface RedisConnectionOptions {
  /** redis:// or rediss://, as checked by parseConfig. Holds the password: never logged, never put in an error. */
  url: string;
  /** Deadline of each command. */
  timeoutMs: number;
  /** Told once per change of state, never per request. */
  log: (line: LogLine) => void;
  /** How often a degraded replica asks Redis whether it is back. */
  probeIntervalMs?: number;
  /** Written by the probe: a write, so that a Redis that answers PING but refuses writes (OOM, a read-only replica) is not "back". */
  probeKey: string;
}

/** The client and its failure policy: every other shared-state module goes through `run`. */
export interface RedisConnection {
  status(): SharedStateStatus;
  /**
   * Runs a command with the deadline. Undefined when it failed, timed out, or was not tried because the replica is
   * degraded: the caller then uses its own memory. Never throws.
   */
  run<T>(command: (redis: Redis) => Promise<T>): Promise<T | undefined>;
  /** Settles once the first attempt to reach Redis has succeeded or failed, so a process can start in a known state. */
  ready: Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_PROBE_INTERVAL_MS = 1_000;
/** Between reconnection attempts: doubling from 50 ms, capped, for as long as Redis stays away. */
const RECONNECT_CAP_MS = 1_000;
/** What a client refused for want of shared state is told: about when a probe will have run again. */
export const UNAVAILABLE_RETRY_AFTER_SEC = 5;

/**
 * One kept ioredis client. Shared while Redis answers within the deadline; degraded from the first failure (a closed
 * connection, a timeout, an error reply) until a probe answers again. While degraded no command is sent, so a
 * sick Redis costs a request nothing: it does not wait out a deadline per command.
 */
export function createRedisConnection(options: RedisConnectionOptions): RedisConnection {
  const redis = new Redis(options.url, {
    // The scheme as parseConfig lower-cased it: TLS with the system's CAs and the host's name checked.
    ...(options.url.startsWith("rediss:") ? { tls: {} } : {}),
    commandTimeout: options.timeoutMs,
    connectTimeout: Math.max(1_000, options.timeoutMs * 5),
    // Fail at once while disconnected instead of queueing behind a reconnection.
    enableOfflineQueue: false,
    // Never sent twice: a nonce claim or a budget increment that may have run must not run again.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), RECONNECT_CAP_MS),
  });

  let state: SharedStateStatus | "starting" = "starting";
  let closed = false;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  function become(next: SharedStateStatus, reason?: string): void {
    if (state === next || closed) return;
    state = next;
    markReady();
    options.log(
      next === "shared"
        ? { level: "info", event: "shared_state", state: next }
        : { level: "warn", event: "shared_state", state: next, reason },
    );
  }

  // ioredis reports connection failures as events; without a listener it prints them itself.
  redis.on("error", (err: unknown) => become("degraded", reasonOf(err)));
  redis.on("close", () => become("degraded", "connection closed"));
  redis.on("ready", () => void probe());

  let probing = false;
  async function probe(): Promise<void> {
    if (probing) return;
    probing = true;
    try {
      await redis.set(options.probeKey, "1", "PX", 60_000);
      become("shared");
    } catch (err) {
      become("degraded", reasonOf(err));
    } finally {
      probing = false;
    }
  }

  const timer = setInterval(() => {
    if (state !== "shared") void probe();
  }, options.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS);
  timer.unref();

  return {
    status: () => (state === "shared" ? "shared" : "degraded"),
    async run(command) {
      if (state !== "shared") return undefined;
      try {
        return await command(redis);
      } catch (err) {
        become("degraded", reasonOf(err));
        return undefined;
      }
    },
    ready,
    async close() {
      closed = true;
      clearInterval(timer);
      markReady();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** A short name for what went wrong, never the error's message: messages can quote a host, a URL, a key. */
export function reasonOf(err: unknown): string {
  if (!(err instanceof Error)) return "error";
  if (err.message === "Command timed out") return "timeout";
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && /^[A-Z0-9_]{1,40}$/.test(code)) return code;
  // Redis error replies start with their code: OOM, READONLY, NOAUTH, WRONGPASS, NOPERM, LOADING…
  const replyCode = err.name === "ReplyError" ? /^[A-Z]{2,20}(?= )/.exec(err.message)?.[0] : undefined;
  return replyCode ?? err.name;
}

/** The answer while shared state is required and cannot be used: 503 in the dialect's form, with Retry-After. */
export function sharedStateUnavailable(): BridgeError {
  return new BridgeError("unavailable", { headers: { "retry-after": String(UNAVAILABLE_RETRY_AFTER_SEC) } });
}
