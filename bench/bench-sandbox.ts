import { createSandbox } from "../src/sandbox/sandbox-app";
import { nodeHmacSha1 } from "./presign";

export interface ReplayedAnswer {
  status: number;
  /** Names in lower case, as a web Response's headers list them. */
  headers: Record<string, string>;
  body: Buffer;
}

/** The X API sandbox as the benchmarks' upstream: one demo sender sends every message of a run. */
export function createBenchSandbox() {
  // X's daily limit would stop the demo sender after a thousand.
  return createSandbox({ hmac: nodeHmacSha1, clock: Date.now, dailyLimitPerUser: Number.MAX_SAFE_INTEGER, maxRecordedEvents: 1_000 });
}

/**
 * The benchmarks' fast upstream (`npm run bench`'s `--upstream fast`, and the translation alone): the X API sandbox
 * answers the first request of each method and URL, verifying its OAuth signature, and its 2xx answer is replayed
 * from memory to every later one. `request` builds the web Request only when the sandbox is asked.
 */
export function createReplayedSandbox(): (method: string, url: string, request: () => Request) => Promise<ReplayedAnswer> {
  const sandbox = createBenchSandbox();
  const replay = new Map<string, ReplayedAnswer>();
  return async (method, url, request) => {
    const key = `${method} ${url}`;
    let answer = replay.get(key);
    if (!answer) {
      const r = await sandbox.fetch(request());
      answer = { status: r.status, headers: Object.fromEntries(r.headers), body: Buffer.from(await r.arrayBuffer()) };
      if (r.ok) replay.set(key, answer);
    }
    return answer;
  };
}
