import { createMemoryNonceStore, type NonceStore } from "../../src/auth/nonce-store";
import { createMemorySendBudget, type SendBudget, type SendLimits } from "../../src/auth/send-budget";
import type { LogLine } from "../../src/app";
import { createRedisSharedState, type RedisSharedState, type RedisSharedStateOptions } from "../../src/shared-state/redis-shared-state";
import { randomId } from "../helpers/node-crypto";
import { skipRedisTests, startTestRedis, type TestRedis } from "../helpers/redis-server";

/**
 * The two homes of replay memory and daily budgets, run through the same behavioural tests: the process's memory,
 * and Redis shared by two replicas that each keep their own memory in front. The memory subject's two "replicas"
 * are one store: one process is what it protects.
 */
export interface Subject {
  name: string;
  /** Two replicas on a fake clock starting at `start`. */
  replicas(start: number): Promise<Replicas>;
  close(): Promise<void>;
}

export interface Replicas {
  nonces: [NonceStore, NonceStore];
  budgets(limits: SendLimits): [SendBudget, SendBudget];
  /** Moves the clock, and lets as much real time pass where Redis keeps time itself (nonce expiries). */
  wait(ms: number): Promise<void>;
  /** Moves the clock only: budget hours are the clock's, in Redis too. */
  moveClock(ms: number): void;
}

const memorySubject: Subject = {
  name: "memory",
  async replicas(start) {
    let now = start;
    const clock = () => now;
    const nonces = createMemoryNonceStore(1_000, clock);
    return {
      nonces: [nonces, nonces],
      budgets: (limits) => {
        const budget = createMemorySendBudget(limits, clock);
        return [budget, budget];
      },
      wait: async (ms) => void (now += ms),
      moveClock: (ms) => void (now += ms),
    };
  },
  close: async () => {},
};

/** Options of a shared state for tests: a prefix of its own, a deadline a slow shared machine keeps. */
export function testSharedStateOptions(url: string, prefix: string, log: (line: LogLine) => void = () => {}): RedisSharedStateOptions {
  return { url, keyPrefix: prefix, timeoutMs: 2_000, required: false, log, probeIntervalMs: 100 };
}

function redisSubject(): Subject {
  let redis: TestRedis | undefined;
  const opened: RedisSharedState[] = [];
  return {
    name: "redis",
    async replicas(start) {
      redis ??= await startTestRedis();
      let now = start;
      const clock = () => now;
      const prefix = `test-${randomId()}:`;
      const [a, b] = [0, 1].map(() =>
        createRedisSharedState({ ...testSharedStateOptions(redis!.url, prefix), clock, localNonces: createMemoryNonceStore(1_000, clock) }),
      ) as [RedisSharedState, RedisSharedState];
      opened.push(a, b);
      await Promise.all([a.ready, b.ready]);
      if (a.status() !== "shared" || b.status() !== "shared") throw new Error("the test Redis is not answering");
      return {
        nonces: [a.nonces, b.nonces],
        budgets: (limits) => [a.sendBudget(limits), b.sendBudget(limits)],
        wait: async (ms) => {
          now += ms;
          await new Promise((r) => setTimeout(r, ms));
        },
        moveClock: (ms) => void (now += ms),
      };
    },
    async close() {
      await Promise.all(opened.splice(0).map((s) => s.close()));
      await redis?.close();
    },
  };
}

export const subjects = (): Subject[] => (skipRedisTests ? [memorySubject] : [memorySubject, redisSubject()]);
