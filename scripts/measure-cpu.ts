// CPU time per translated request, measured in workerd: `npm run measure:cpu`. Not a test: it prints figures.
// workerd's own per-request cpuTime (tail events) reads 0 locally, so both methods read the CPU time of the whole
// workerd process (every thread, /proc/<pid>/task/*/schedstat) around a known number of requests.
//
// 1. Translation inside workerd: scripts/cpu-bench-worker.ts runs N signed requests through createApp inside one
//    request, the upstream answered from memory. Everything the app does per request (Request objects, OAuth
//    verification and signing, rendering), no network I/O: the closest to the CPU time Cloudflare bills.
// 2. End to end: the deployed bundle with DM_PROXY_CREDENTIALS, its upstream the X API sandbox in this Node process
//    (so the sandbox's work is not counted), N requests through workerd's HTTP stack and Miniflare's entry Worker.
//    A pass-through Worker with the same I/O is measured the same way; dm-bridge's own cost is the difference.
import { Miniflare, Response as MiniflareResponse, type Request as MiniflareRequest } from "miniflare";
import { createSandbox } from "../src/sandbox/sandbox-app";
import { DEMO_CREDENTIALS } from "../src/sandbox/sandbox-users";
import { nodeHmacSha1, signedLegacyRequest } from "../bench/presign";
import { buildWorkerBundle } from "./worker-bundle";
import { batchCpuMs, benchBatch, buildBenchBundle, cpuNs, median, workerdPid } from "./workerd-cpu";

const N = Number(process.env.REQUESTS ?? 1_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const WARMUP = 200;
const PROXY = "http://dm-bridge.test";
const PASS_THROUGH_ORIGIN = "http://pass-through.test";
const PASS_THROUGH = `export default {
  async fetch(request) {
    const form = await request.text();
    const up = await fetch("https://api.x.test/1.1/direct_messages/events/new.json", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: request.headers.get("authorization") },
      body: JSON.stringify({ event: { type: "message_create", message_create: { target: { recipient_id: "38895958" }, message_data: { text: form } } } }),
    });
    const text = await up.text();
    console.log(JSON.stringify({ id: "0123456789abcdef", method: request.method, path: new URL(request.url).pathname, status: up.status }));
    return new Response(text.padEnd(Number(request.headers.get("x-answer-bytes")), " "), { headers: { "content-type": "application/json" } });
  },
};`;

const bundle = buildWorkerBundle(".wrangler/cpu-bundle");
const benchBundle = await buildBenchBundle(".");

const xApi = createSandbox({ hmac: nodeHmacSha1, clock: Date.now, dailyLimitPerUser: Number.MAX_SAFE_INTEGER });
let lastEvent = "";
const toSandbox = async (request: MiniflareRequest) => {
  const body = request.method === "GET" ? undefined : await request.text();
  const res = await xApi.fetch(new Request(request.url, { method: request.method, headers: [...request.headers], body }));
  const text = await res.text();
  if (request.method === "POST") lastEvent = text;
  return new MiniflareResponse(text, { status: res.status, headers: [...res.headers] });
};
const settings = { modules: true, compatibilityDate: bundle.compatibilityDate, compatibilityFlags: bundle.compatibilityFlags };
const mf = new Miniflare({
  workers: [
    {
      ...settings,
      name: "dm-bridge",
      routes: ["dm-bridge.test/*"],
      scriptPath: bundle.path,
      bindings: { ...bundle.vars, DM_PROXY_CREDENTIALS: JSON.stringify(DEMO_CREDENTIALS), UPSTREAM_URL: "https://api.x.test" },
      outboundService: toSandbox,
    },
    {
      ...settings,
      name: "cpu-bench",
      routes: ["bench.test/*"],
      scriptPath: benchBundle.path,
    },
    {
      // The same I/O as a translated request and nothing else: read the form, one POST upstream with a JSON body of
      // the same size, an answer as long as dm-bridge's, one log line. What dm-bridge costs beyond this is translation.
      ...settings,
      name: "pass-through",
      routes: ["pass-through.test/*"],
      script: PASS_THROUGH,
      outboundService: async (request: MiniflareRequest) => {
        await request.text();
        return new MiniflareResponse(lastEvent, { headers: { "content-type": "application/json" } });
      },
    },
  ],
});
await mf.ready;

/** Length of dm-bridge's 1.1 JSON answer: the pass-through answers as long, so both send the same bytes back. */
let answerBytes = 0;

async function send(request: Request): Promise<number> {
  const headers = new Headers(request.headers);
  headers.set("x-answer-bytes", String(answerBytes));
  const res = await mf.dispatchFetch(request.url, { method: request.method, headers: [...headers], body: request.body ? await request.text() : undefined });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`expected 200, got ${res.status}: ${text}`);
  return text.length;
}

const signedTo = (origin: string, route: string, recipient: Record<string, string>) => (i: number) =>
  signedLegacyRequest({ url: `${origin}${route}`, form: { ...recipient, text: `message ${i} 🐦` } });
const json11 = signedTo(PROXY, "/1.1/direct_messages/new.json", { screen_name: "theSeanCook" });
const xml10 = signedTo(PROXY, "/1/direct_messages/new.xml", { user: "theSeanCook" });
const passThrough = signedTo(PASS_THROUGH_ORIGIN, "/1.1/direct_messages/new.json", { screen_name: "theSeanCook" });

async function measure(make: (i: number) => Request): Promise<number> {
  const pid = workerdPid();
  const requests = Array.from({ length: N }, (_, i) => make(i));
  const startCpu = cpuNs(pid);
  for (const r of requests) await send(r);
  return (cpuNs(pid) - startCpu) / N / 1e6;
}

/** N requests translated inside one bench request: workerd's CPU for the batch, per request. */
async function measureInIsolate(make: (i: number) => Request): Promise<number> {
  const body = await benchBatch(N, make);
  return batchCpuMs((b) => mf.dispatchFetch("http://bench.test/", { method: "POST", body: b }), body, N);
}

// Other load on the machine only ever adds CPU time (cache misses, frequency), so the best round is the estimate.
const best = (xs: number[]) => Math.min(...xs);

try {
  // The first request of an isolate also builds the app (caches, routes): Workers bill that to this request.
  const pid = workerdPid();
  const beforeFirst = cpuNs(pid);
  answerBytes = await send(json11(-1));
  const firstMs = (cpuNs(pid) - beforeFirst) / 1e6;
  const beforeFirstControl = cpuNs(pid);
  await send(passThrough(-1));
  const firstControlMs = (cpuNs(pid) - beforeFirstControl) / 1e6;
  // Warm all three (JIT, caches, imported HMAC keys).
  for (const make of [json11, xml10, passThrough]) for (let i = 0; i < WARMUP; i++) await send(make(i));
  for (const make of [json11, xml10]) await measureInIsolate(make);
  const inIsolate = { json: [] as number[], xml: [] as number[] };
  const series = { json: [] as number[], xml: [] as number[], control: [] as number[] };
  // Interleaved rounds: a burst of other load hits every series alike.
  for (let round = 0; round < ROUNDS; round++) {
    inIsolate.json.push(await measureInIsolate(json11));
    inIsolate.xml.push(await measureInIsolate(xml10));
    series.json.push(await measure(json11));
    series.xml.push(await measure(xml10));
    series.control.push(await measure(passThrough));
  }
  const fmt = (xs: number[]) => `${best(xs).toFixed(3)} ms, median ${median(xs).toFixed(3)} (rounds: ${xs.map((x) => x.toFixed(3)).join(", ")})`;
  const own = (xs: number[]) => `${(best(xs) - best(series.control)).toFixed(3)} ms`;
  console.log(`Translation inside workerd, upstream answered from memory: CPU per request, best of ${ROUNDS} rounds of ${N}:`);
  console.log(`  1.1 direct_messages/new.json: ${fmt(inIsolate.json)}`);
  console.log(`  1.0 direct_messages/new.xml:  ${fmt(inIsolate.xml)}`);
  console.log(`End to end through workerd's HTTP, whole workerd process, best of ${ROUNDS} rounds of ${N} requests:`);
  console.log(`  dm-bridge, 1.1 direct_messages/new.json:        ${fmt(series.json)}`);
  console.log(`  dm-bridge, 1.0 direct_messages/new.xml:         ${fmt(series.xml)}`);
  console.log(`  pass-through Worker, same I/O, no translation:  ${fmt(series.control)}`);
  console.log(`dm-bridge's own CPU per translated request (difference): 1.1 JSON ${own(series.json)}, 1.0 XML ${own(series.xml)}`);
  console.log(`an isolate's first request, which builds the app, and its two lookups: ${firstMs.toFixed(1)} ms`);
  console.log(`the pass-through Worker's first request: ${firstControlMs.toFixed(1)} ms`);
} finally {
  await mf.dispose();
}
