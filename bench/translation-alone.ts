import { randomFillSync } from "node:crypto";
import { createAppFromConfig, dailyLimitsOf } from "../src/app-from-config";
import { createMemorySendBudget } from "../src/auth/send-budget";
import { parseConfig } from "../src/config";
import type { IncomingCall } from "../src/http/incoming-call";
import { createLineLog } from "../src/http/line-log";
import { createPrometheusMetrics } from "../src/node/prometheus";
import { createRandomIdPool } from "../src/oauth/random-pool";
import { DEMO_CREDENTIALS } from "../src/sandbox/sandbox-users";
import type { FetchLike, UpstreamResponse } from "../src/upstream/upstream-fetch";
import { createReplayedSandbox } from "./bench-sandbox";
import { LEGACY_BODY, nodeHmacSha1, signLegacyNow } from "./presign";

/**
 * The translation alone: the legacy send's core function (`app.directRoute`, which the sidecar's listener calls) run
 * in one process, one message after another, without a socket on either side: the upstream's answers come from
 * memory (the sandbox's first verified answer to each URL, as `--upstream fast` replays it). What it costs is what
 * dm-bridge adds to a bare Node hop before any effect on the hop's own I/O. `node dist/bench/translation-alone.mjs
 * <messages> [daily limit]` prints `µs <CPU per message>` on its last line; `npm run bench` runs it beside case (d).
 */
const messages = Number(process.argv[2] ?? "20000");
const dailyLimit = process.argv[3] ?? "10000000";
/** Messages between two turns of the event loop, where the log's batched lines are written as in the sidecar. */
const PER_TURN = 8;
const ORIGIN = "http://127.0.0.1:8787";
const PATH = "/1.1/direct_messages/new.json";

const replayed = createReplayedSandbox();
const fromMemory: FetchLike = async (r) => {
  const request = () => new Request(r.url, { method: r.method, headers: r.headers, body: r.body as BodyInit | undefined });
  const { status, headers, body } = await replayed(r.method, r.url, request);
  const response: UpstreamResponse = {
    status,
    ok: status >= 200 && status < 300,
    headers: { get: (name) => headers[name.toLowerCase()] ?? null },
    text: () => Promise.resolve(body.toString()),
    arrayBuffer: () => Promise.resolve(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer),
  };
  return response;
};

// Wired as runSidecar wires it (src/node/sidecar.ts), with `npm run bench`'s daily limit: its log lines are
// written (to stdout, which the benchmark sends to /dev/null), its Prometheus counts kept; without the graceful
// drain's lifecycle (two flags read per message).
const settings = {
  UPSTREAM_URL: ORIGIN,
  DM_PROXY_CREDENTIALS: JSON.stringify(DEMO_CREDENTIALS),
  ...(dailyLimit === "0" ? {} : { DM_DAILY_LIMIT_PER_USER: dailyLimit }),
};
const config = parseConfig(settings, () => "");
const limits = dailyLimitsOf(config);
const { log } = createLineLog((text) => process.stdout.write(text), setImmediate, Date.now);
const metrics = createPrometheusMetrics();
const app = createAppFromConfig(config, {
  fetch: fromMemory,
  hmac: nodeHmacSha1,
  clock: Date.now,
  randomId: createRandomIdPool((bytes) => randomFillSync(bytes)),
  upstreamUrl: ORIGIN,
  sendBudget: limits && createMemorySendBudget(limits, Date.now),
  log,
  observer: metrics.observer,
});
const route = app.directRoute("POST", PATH)!;

// Signed before the clock starts, one nonce each, as wrk's request files are; each dropped once sent.
const sign = signLegacyNow(ORIGIN + PATH);
const authorizations = Array.from({ length: messages * 2 }, (_, i) => sign(`alone${process.pid}n${i}`));
const body = Buffer.from(LEGACY_BODY);
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function send(from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    // As the sidecar's listener builds one per request.
    const headers: Record<string, string> = { authorization: authorizations[i]!, "content-type": "application/x-www-form-urlencoded", host: "127.0.0.1:8787" };
    const call: IncomingCall = { method: "POST", url: ORIGIN + PATH, header: (name) => headers[name] ?? null, body: () => Promise.resolve(body) };
    authorizations[i] = "";
    const answer = await route(call);
    if (answer.status !== 200) throw new Error(`message ${i}: ${answer.status} ${String(answer.body).slice(0, 200)}`);
    // The answers come from memory, so no message would ever leave the event loop's turn: yield as a busy sidecar does.
    if (i % PER_TURN === PER_TURN - 1) await turn();
  }
  await turn();
}

await send(0, messages); // warm-up: the JIT, the caches
const before = process.cpuUsage();
await send(messages, 2 * messages);
const spent = process.cpuUsage(before);
process.stderr.write(`µs ${((spent.user + spent.system) / messages).toFixed(1)}\n`);
