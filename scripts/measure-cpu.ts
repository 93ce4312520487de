// CPU time per translated request, measured in workerd: `npm run measure:cpu`. Not a test: it prints figures.
//
// The deployed bundle runs in Miniflare's workerd with DM_PROXY_CREDENTIALS set, its upstream the X API sandbox in
// this Node process (so the sandbox's work is not counted). The figure is the CPU time of the whole workerd process
// (every thread, from /proc/<pid>/task/*/schedstat) over N requests, divided by N. That includes what Cloudflare
// does not bill as the Worker's CPU time: HTTP parsing of the request and of the upstream calls, and Miniflare's
// own entry Worker. So it is an upper bound; /healthz, which translates nothing, is measured the same way for scale.
import { Miniflare, Response as MiniflareResponse, type Request as MiniflareRequest } from "miniflare";
import { readdirSync, readFileSync } from "node:fs";
import { createSandbox } from "../src/sandbox/sandbox-app";
import { DEMO_CREDENTIALS } from "../src/sandbox/sandbox-users";
import { nodeHmac } from "../test/helpers/node-crypto";
import { signLegacyCall } from "../test/helpers/legacy-client";
import { buildWorkerBundle } from "./worker-bundle";

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
const xApi = createSandbox({ hmac: nodeHmac, clock: Date.now, dailyLimitPerUser: Number.MAX_SAFE_INTEGER });
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

function workerdPid(): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (comm === "workerd" && ppid === process.pid) return Number(entry);
    } catch {
      // A process that ended while we looked.
    }
  }
  throw new Error("no workerd child process found");
}

/** Nanoseconds on CPU, all threads of the process. */
function cpuNs(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
  }
  return total;
}

let answerBytes = 0;

async function send(request: Request, expected: number): Promise<void> {
  const headers = new Headers(request.headers);
  headers.set("x-answer-bytes", String(answerBytes));
  const res = await mf.dispatchFetch(request.url, { method: request.method, headers: [...headers], body: request.body ? await request.text() : undefined });
  const text = await res.text();
  if (res.status !== expected) throw new Error(`expected ${expected}, got ${res.status}: ${text}`);
  answerBytes = Math.max(answerBytes, text.length);
}

const dmTo = (origin: string) => (i: number) =>
  signLegacyCall({ url: `${origin}/1.1/direct_messages/new.json`, form: { screen_name: "theSeanCook", text: `message ${i} 🐦` } });

async function measure(make: (i: number) => Request): Promise<number> {
  const pid = workerdPid();
  const requests = Array.from({ length: N }, (_, i) => make(i));
  const startCpu = cpuNs(pid);
  for (const r of requests) await send(r, 200);
  return (cpuNs(pid) - startCpu) / N / 1e6;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  // The first request of an isolate also builds the app (caches, routes): Workers bill that to this request.
  const pid = workerdPid();
  const beforeFirst = cpuNs(pid);
  await send(dmTo(PROXY)(-1), 200);
  const firstMs = (cpuNs(pid) - beforeFirst) / 1e6;
  const beforeFirstControl = cpuNs(pid);
  await send(dmTo(PASS_THROUGH_ORIGIN)(-1), 200);
  const firstControlMs = (cpuNs(pid) - beforeFirstControl) / 1e6;
  // Warm both (JIT, caches, imported HMAC keys); the proxy first, so the pass-through has a real event to answer.
  for (let i = 0; i < WARMUP; i++) await send(dmTo(PROXY)(i), 200);
  for (let i = 0; i < WARMUP; i++) await send(dmTo(PASS_THROUGH_ORIGIN)(i), 200);
  const proxy: number[] = [];
  const control: number[] = [];
  // Alternating rounds, medians: other load on the machine hits both sides alike.
  for (let round = 0; round < ROUNDS; round++) {
    proxy.push(await measure(dmTo(PROXY)));
    control.push(await measure(dmTo(PASS_THROUGH_ORIGIN)));
  }
  const fmt = (xs: number[]) => `${median(xs).toFixed(3)} ms (rounds: ${xs.map((x) => x.toFixed(3)).join(", ")})`;
  console.log(`workerd CPU per request, ${ROUNDS} rounds of ${N} requests, medians:`);
  console.log(`  dm-bridge, 1.1 direct_messages/new.json (OAuth verified, re-signed, rendered): ${fmt(proxy)}`);
  console.log(`  pass-through Worker with the same I/O and no translation:                  ${fmt(control)}`);
  console.log(`  dm-bridge's own CPU per translated request (difference):                   ${(median(proxy) - median(control)).toFixed(3)} ms`);
  console.log(`  an isolate's first request, which builds the app, and its two lookups:      ${firstMs.toFixed(1)} ms`);
  console.log(`  the pass-through Worker's first request:                                    ${firstControlMs.toFixed(1)} ms`);
} finally {
  await mf.dispose();
}
