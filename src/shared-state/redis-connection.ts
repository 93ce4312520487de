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
  /**
   * Written by the probe: a write, so that a Redis that answers PING but refuses writes (OOM, a read-only replica)
   * is not taken to be back.
   */
  probeKey: string;
  /** Commands kept while degraded, at most (`runWhenShared`). */
  maxBacklog?: number;
}

/** The client and its failure policy: every other shared-state module goes through `run`. */
export interface RedisConnection {
  status(): SharedStateStatus;
  /**
   * Runs a command with the deadline. Undefined when it failed, timed out, or was not tried because the replica is
   * degraded: the caller then uses its own memory. Never throws.
   */
  run<T>(command: Command<T>): Promise<T | undefined>;
  /**
   * For what this replica did on its own word while degraded (a nonce it accepted, a message it counted): run now
   * when shared, else kept and run once Redis is back, before the replica says "shared" again, so that the others
   * then know it too. Never throws; a command that fails is not repeated (it may have run).
   */
  runWhenShared(command: Command<unknown>): Promise<void>;
  /** Settles once the first attempt to reach Redis has succeeded or failed, so a process can start in a known state. */
  ready: Promise<void>;
  close(): Promise<void>;
}

export type Command<T> = (redis: Redis) => Promise<T>;

const DEFAULT_PROBE_INTERVAL_MS = 1_000;
/** Commands kept while degraded, at most: about 20 MB, minutes of a busy replica's nonces. The oldest go first. */
export const DEFAULT_MAX_BACKLOG = 100_000;
const BACKLOG_SLICE = 500;
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
    // Commands issued in one tick (many requests at once) go out in one write.
    enableAutoPipelining: true,
    // Never sent twice: a nonce claim or a budget increment that may have run must not run again.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), RECONNECT_CAP_MS),
  });

  let state: SharedStateStatus | "starting" = "starting";
  let closed = false;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const backlog: Command<unknown>[] = [];
  const maxBacklog = options.maxBacklog ?? DEFAULT_MAX_BACKLOG;
  let dropped = 0;

  function become(next: SharedStateStatus, detail: { reason?: string; caughtUp?: number } = {}): void {
    if (state === next || closed) return;
    state = next;
    markReady();
    options.log(
      next === "shared"
        ? { level: "info", event: "shared_state", state: next, caught_up: detail.caughtUp || undefined, lost: dropped || undefined }
        : { level: "warn", event: "shared_state", state: next, reason: detail.reason },
    );
    if (next === "shared") dropped = 0;
  }

  const degrade = (err: unknown) => become("degraded", { reason: reasonOf(err) });

  // ioredis reports connection failures as events; without a listener it prints them itself.
  redis.on("error", degrade);
  redis.on("close", () => become("degraded", { reason: "connection closed" }));
  redis.on("ready", () => void probe());

  let probing = false;
  async function probe(): Promise<void> {
    if (probing) return;
    probing = true;
    try {
      await redis.set(options.probeKey, "1", "PX", 60_000);
      let caughtUp = 0;
      // In slices sent together (ioredis pipelines them): a failure stops the catch-up and leaves the rest to the
      // next probe; the slice that failed is not sent again.
      while (backlog.length > 0) {
        const slice = backlog.splice(0, BACKLOG_SLICE);
        await Promise.all(slice.map((command) => command(redis)));
        caughtUp += slice.length;
      }
      become("shared", { caughtUp });
    } catch (err) {
      degrade(err);
    } finally {
      probing = false;
    }
  }

  const timer = setInterval(() => {
    if (state !== "shared") void probe();
  }, options.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS);
  timer.unref();

  async function run<T>(command: Command<T>): Promise<T | undefined> {
    if (state !== "shared") return undefined;
    try {
      return await command(redis);
    } catch (err) {
      degrade(err);
      return undefined;
    }
  }

  return {
    status: () => (state === "shared" ? "shared" : "degraded"),
    run,
    async runWhenShared(command) {
      if (state === "shared") {
        await run(command);
        return;
      }
      if (backlog.length >= maxBacklog) {
        // A tenth at once, so that a full backlog costs a request no more than a push.
        dropped += backlog.splice(0, Math.ceil(maxBacklog / 10)).length;
      }
      backlog.push(command);
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
