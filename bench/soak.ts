/**
 * Soak: minutes of mixed legacy traffic against the real Node sidecar, with faults injected into the sandbox
 * upstream. Reports requests, errors by kind, sends recorded upstream versus successes returned (which must match
 * exactly) and the sidecar's memory at the start, every 30 s (with its heap by space) and at the end. Run:
 * npm run soak -- --duration 180
 */
import { serve } from "@hono/node-server";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { createSandbox, type SandboxFault } from "../src/sandbox/sandbox-app";
import { DEMO_CREDENTIALS } from "../src/sandbox/sandbox-users";
import { DEMO_SIGNER, nodeHmacSha1, signedLegacyRequest } from "./presign";
import { sidecarArgs } from "./processes";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const DURATION_S = arg("duration", 180);
const CONCURRENCY = arg("concurrency", 20);
const PORT = arg("port", 18787);
// Long enough that only the injected hangs time out: a 504 on a slow but real send would be a true "unknown".
const TIMEOUT_MS = arg("timeout-ms", 2_000);

let seed = 7;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;

const sandbox = createSandbox({ hmac: nodeHmacSha1, clock: Date.now, dailyLimitPerUser: Number.MAX_SAFE_INTEGER });
const upstream = serve({ fetch: sandbox.fetch, port: 0, hostname: "127.0.0.1" });
await new Promise((r) => upstream.once("listening", r));
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

const proxy = spawn(process.execPath, sidecarArgs(resolve(import.meta.dirname, "..")), {
  env: {
    ...process.env,
    PORT: String(PORT),
    UPSTREAM_URL: upstreamUrl,
    UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
    DM_PROXY_CREDENTIALS: JSON.stringify(DEMO_CREDENTIALS),
  },
  stdio: ["ignore", "ignore", "inherit"],
});
const base = `http://127.0.0.1:${PORT}`;
for (let i = 0; ; i++) {
  if (
    await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    )
  )
    break;
  if (i > 100) throw new Error("the sidecar did not start");
  await new Promise((r) => setTimeout(r, 100));
}
const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proxy.pid}/status`, "utf8"))![1]) / 1024;

const FAULTS: (SandboxFault | undefined)[] = [
  undefined,
  undefined,
  undefined,
  undefined,
  { kind: "hang" },
  { kind: "reset" },
  { kind: "garbage" },
  { kind: "status", status: 500, body: '{"errors":[{"code":131,"message":"Internal error"}]}' },
  { kind: "status", status: 503, body: '{"errors":[{"code":130,"message":"Over capacity"}]}' },
  { kind: "status", status: 429, body: '{"errors":[{"code":88,"message":"Rate limit exceeded"}]}', headers: { "retry-after": "1" } },
];
const NAMES = ["dougw", "igudo", "theSeanCook", "future_user", ...Array.from({ length: 300 }, (_, i) => `load_${i}`)];
const URL_1_1 = `${base}/1.1/direct_messages/new.json`;

function nextRequest(): { kind: string; request: Request; text: string } {
  const r = random();
  const text = `soak ${++sequence}`;
  if (r < 0.6) return { kind: "valid", text, request: signedLegacyRequest({ url: URL_1_1, form: { screen_name: pick(NAMES), text } }) };
  if (r < 0.7)
    return { kind: "unknown user", text, request: signedLegacyRequest({ url: URL_1_1, form: { screen_name: `ghost_${Math.floor(random() * 50)}`, text } }) };
  if (r < 0.8)
    return {
      kind: "bad signature",
      text,
      request: signedLegacyRequest({ url: URL_1_1, form: { screen_name: "dougw", text }, creds: { ...DEMO_SIGNER, tokenSecret: "wrong" } }),
    };
  if (r < 0.85) return { kind: "missing text", text, request: signedLegacyRequest({ url: URL_1_1, form: { screen_name: "dougw" } }) };
  if (r < 0.9) return { kind: "huge body", text, request: signedLegacyRequest({ url: URL_1_1, form: { screen_name: "dougw", text: "x".repeat(80_000) } }) };
  if (r < 0.95) {
    const signed = signedLegacyRequest({ url: URL_1_1, form: { screen_name: "dougw", text } });
    return { kind: "invalid utf-8", text, request: new Request(signed, { body: "screen_name=dougw&text=%FF%FE" }) };
  }
  return {
    kind: "replay",
    text,
    request: signedLegacyRequest({ url: URL_1_1, form: { screen_name: "dougw", text }, nonce: "soakReplayedNonce", timestamp: Math.floor(Date.now() / 1000) }),
  };
}

let sequence = 0;
const byOutcome = new Map<string, number>();
/** Every text sent, with the status the client got: checked one by one against what the upstream recorded. */
const statusOfText = new Map<string, number>();
const rssSeries: number[] = [];
/** The heap by space with each sample, so that a step in the resident set can be told apart (a heap space, or off-heap). */
const heapSeries: Promise<string>[] = [];
let requests = 0;
let successes = 0;
let internalErrors = 0;
const rssStart = rssMiB();
const deadline = Date.now() + DURATION_S * 1000;
const rssTimer = setInterval(() => {
  rssSeries.push(rssMiB());
  heapSeries.push(heapBreakdown());
}, 30_000);
const faultTimer = setInterval(() => {
  for (const route of ["direct_messages/events/new", "users/lookup"]) sandbox.setFault(route, random() < 0.5 ? undefined : pick(FAULTS));
}, 2_000);

async function worker() {
  while (Date.now() < deadline) {
    const { kind, request, text } = nextRequest();
    const res = await fetch(request).catch(() => undefined);
    requests++;
    const outcome = res ? `${res.status} ${res.headers.get("x-dm-bridge-error") ?? "ok"}` : "no answer";
    if (res?.status === 200) successes++;
    statusOfText.set(text, res?.status ?? 0);
    if (!res || res.status === 500) internalErrors++;
    await res?.arrayBuffer();
    byOutcome.set(`${kind} -> ${outcome}`, (byOutcome.get(`${kind} -> ${outcome}`) ?? 0) + 1);
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
clearInterval(faultTimer);
clearInterval(rssTimer);
const rssEnd = rssMiB();
const heap = await heapBreakdown();
const recorded = sandbox.stats.events.length;
const recordedTexts = new Map<string, number>();
for (const e of sandbox.stats.events) recordedTexts.set(e.text, (recordedTexts.get(e.text) ?? 0) + 1);
const duplicates = [...recordedTexts.values()].filter((n) => n > 1).length;
const okNotRecorded = [...statusOfText].filter(([t, st]) => st === 200 && !recordedTexts.has(t)).length;
const failedButRecorded = [...statusOfText].filter(([t, st]) => st !== 200 && st !== 504 && recordedTexts.has(t)).length;
const timedOutButRecorded = [...statusOfText].filter(([t, st]) => st === 504 && recordedTexts.has(t)).length;

console.log(`soak: ${DURATION_S} s, ${CONCURRENCY} clients, faults switched every 2 s`);
console.log(`requests: ${requests} (${(requests / DURATION_S).toFixed(0)}/s)`);
for (const [k, n] of [...byOutcome].sort()) console.log(`  ${k}: ${n}`);
const exact = recorded === successes && duplicates === 0 && okNotRecorded === 0 && failedButRecorded === 0;
console.log(`sends recorded upstream: ${recorded}; successes returned: ${successes}; ${exact ? "MATCH" : "MISMATCH"}`);
console.log(
  `  sent twice: ${duplicates}; 200 but not recorded: ${okNotRecorded}; refused but recorded: ${failedButRecorded}; 504 but recorded (the documented "unknown"): ${timedOutButRecorded}`,
);
console.log(`500s or dropped answers: ${internalErrors}`);
console.log(`sidecar RSS: start ${rssStart.toFixed(1)} MiB, every 30 s ${rssSeries.map((m) => m.toFixed(0)).join(", ")}, end ${rssEnd.toFixed(1)} MiB`);
for (const [i, sample] of (await Promise.all(heapSeries)).entries()) console.log(`  at ${(i + 1) * 30} s: ${sample}`);
console.log(`sidecar memory at the end (its /metrics): ${heap}`);
proxy.kill();
upstream.close();
process.exit(exact && internalErrors === 0 ? 0 : 1);

/** Where the sidecar's memory is, from its own Prometheus metrics: V8's heap spaces (used of size), and off-heap. */
async function heapBreakdown(): Promise<string> {
  // Never rejects and never waits long: a sample is taken while the soak runs, and a failed one must not end it.
  const text = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5_000) })
    .then((r) => r.text())
    .catch(() => "");
  if (text === "") return "unavailable (/metrics did not answer)";
  const mib = (bytes: string) => (Number(bytes) / 2 ** 20).toFixed(1);
  const spaces = new Map<string, { used?: string; size?: string }>();
  for (const m of text.matchAll(/^nodejs_heap_space_size_(used|total)_bytes\{space="(\w+)"\} (\S+)$/gm)) {
    const entry = spaces.get(m[2]!) ?? {};
    entry[m[1] === "used" ? "used" : "size"] = m[3];
    spaces.set(m[2]!, entry);
  }
  const external = /^nodejs_external_memory_bytes (\S+)$/m.exec(text)?.[1];
  const parts = [...spaces].filter(([, e]) => Number(e.size) > 2 ** 20).map(([name, e]) => `${name} ${mib(e.used ?? "0")}/${mib(e.size ?? "0")}`);
  return `${parts.join(", ")} MiB; external ${external ? mib(external) : "?"} MiB`;
}
