import type { LogLine, SharedStateStatus } from "../app";
import { createMemoryNonceStore, type NonceStore } from "../auth/nonce-store";
import { createMemorySendBudget, type SendBudget, type SendLimits } from "../auth/send-budget";
import type { RedisConfig } from "../config";
import type { SharedUserStore } from "../users/user-cache";
import { createRedisConnection } from "./redis-connection";
import { createRedisNonceStore } from "./redis-nonce-store";
import { createRedisSendBudget } from "./redis-send-budget";
import { createRedisUserStore } from "./redis-user-store";

export interface RedisSharedStateOptions extends RedisConfig {
  /** SHARED_STATE_REQUIRED: refuse (503) rather than fall back to this process's own protection. */
  required: boolean;
  /** One line per change between "shared" and "degraded"; never given the URL or its password. */
  log: (line: LogLine) => void;
  clock?: () => number;
  /** This process's own replay memory, in front of Redis. */
  localNonces?: NonceStore;
  probeIntervalMs?: number;
  maxBacklog?: number;
}

/** Everything a Node sidecar shares with its sibling replicas, for `createApp`'s deps. */
export interface RedisSharedState {
  nonces: NonceStore;
  /** A daily budget counted across replicas, with this process's own count behind it. */
  sendBudget(limits: SendLimits): SendBudget;
  userStore: SharedUserStore;
  status(): SharedStateStatus;
  /** Settles once Redis has answered or failed for the first time: await it before listening, to start in a known state. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Node only: the Worker shares state through KV and never imports this folder. */
export function createRedisSharedState(options: RedisSharedStateOptions): RedisSharedState {
  const { keyPrefix, required } = options;
  const clock = options.clock ?? Date.now;
  const connection = createRedisConnection({
    url: options.url,
    timeoutMs: options.timeoutMs,
    log: options.log,
    probeIntervalMs: options.probeIntervalMs,
    maxBacklog: options.maxBacklog,
    probeKey: `${keyPrefix}probe`,
  });
  return {
    nonces: createRedisNonceStore(connection, { keyPrefix, required, local: options.localNonces ?? createMemoryNonceStore() }),
    sendBudget: (limits) => createRedisSendBudget(connection, limits, { keyPrefix, required, clock, local: createMemorySendBudget(limits, clock) }),
    userStore: createRedisUserStore(connection, `${keyPrefix}user:`),
    status: connection.status,
    ready: connection.ready,
    close: connection.close,
  };
}
