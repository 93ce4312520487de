import OAuth from "oauth-1.0a";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderChart, renderMemoryChart } from "../../bench/chart";
import { nginxConfig } from "../../bench/nginx";
import { createRequestSigner, formatRequestLine, writeRequestFile } from "../../bench/presign";
import { mainThreadInstructions, parseChildTicks, parseCpuTicks, parseMachineTicks, parseStatusKb, processTree, ticksSpent } from "../../bench/proc";
import { monitorRedis, parseMonitor, startRedisServer } from "../../bench/redis";
import { stopProcess } from "../../bench/processes";
import { computeRatios, formatRatios, formatScaleOut, formatTable, pickMedianRounds, replaceBlock, summarize, type PhaseResult } from "../../bench/report";
import { parseWrkReport } from "../../bench/wrk";
import { parseOAuthHeader } from "../../src/oauth/authorization-header";
import { createSandboxVerifier } from "../../src/sandbox/sandbox-auth";
import { DEMO_CREDENTIALS } from "../../src/sandbox/sandbox-users";
import { DEMO } from "../helpers/legacy-client";
import { redisServerInstalled } from "../helpers/redis-server";
import { Redis } from "ioredis";
import { nodeHmac, oauthPackageHash } from "../helpers/node-crypto";

const NOW = 1_764_000_000;

function packageSignature(url: string, form: Record<string, string>, nonce: string, timestamp: number) {
  const oauth = new OAuth({ consumer: { key: DEMO.consumerKey, secret: DEMO.consumerSecret }, signature_method: "HMAC-SHA1", hash_function: oauthPackageHash });
  const data = {
    oauth_consumer_key: DEMO.consumerKey,
    oauth_nonce: nonce,
    oauth_signature_method: "HMAC-SHA1",
    oauth_timestamp: timestamp,
    oauth_token: DEMO.token,
    oauth_version: "1.0",
  };
  return oauth.getSignature({ url, method: "POST", data: form }, DEMO.tokenSecret, data as unknown as OAuth.Authorization);
}

describe("bench request pre-signing", () => {
  it("signs each nonce as the oauth-1.0a package does, form parameters included", () => {
    const url = "http://127.0.0.1:8080/1.1/direct_messages/new.json";
    const form = { screen_name: "theSeanCook", text: "Meet me behind the cafeteria after school!*" };
    const sign = createRequestSigner({ url, form: Object.entries(form), creds: DEMO, timestamp: NOW }, nodeHmac);
    for (const nonce of ["abcdef0123", "zz99zz99zz99"]) {
      const fields = new Map(parseOAuthHeader(sign(nonce)));
      expect(fields.get("oauth_nonce")).toBe(nonce);
      expect(fields.get("oauth_timestamp")).toBe(String(NOW));
      expect(fields.get("oauth_signature")).toBe(packageSignature(url, form, nonce, NOW));
    }
    expect(() => sign("has space")).toThrow(/nonce/);
  });

  it("writes one-use requests the sandbox accepts once each and refuses when replayed", async () => {
    const url = "http://127.0.0.1:9/1.1/direct_messages/events/new.json";
    const sign = createRequestSigner({ url, creds: DEMO, timestamp: NOW }, nodeHmac);
    const file = join(mkdtempSync(join(tmpdir(), "bench-test-")), "r.txt");
    await writeRequestFile(file, 3, sign, '{"event":{}}', "run1");
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    const verify = createSandboxVerifier({ ...DEMO_CREDENTIALS, hmac: nodeHmac, clock: () => NOW * 1000 });
    for (const line of lines) {
      const [authorization, body] = line.split("\t");
      expect(body).toBe('{"event":{}}');
      expect(await verify("POST", url, authorization!)).toEqual({ ok: true, token: DEMO.token });
    }
    expect((await verify("POST", url, lines[0]!.split("\t")[0]!)).ok).toBe(false);
    expect(() => formatRequestLine("OAuth a", "x\ty")).toThrow();
  });
});

const wrkLine =
  'WRK_JSON {"requests":20000,"duration_us":10000000,"errors":{"connect":0,"read":0,"write":0,"status":3,"timeout":1},"latency_us":{"p50":2500,"p90":4000,"p99":9000,"max":20000,"mean":2700.5}}';

function phase(key: PhaseResult["key"], requests: number, p99Us: number, hopTicks?: number): PhaseResult {
  const wrk = parseWrkReport(
    `Running 10s test\n${wrkLine.replace("20000,", `${requests},`).replace('"p99":9000', `"p99":${p99Us}`).replace('"status":3', '"status":0').replace('"timeout":1', '"timeout":0')}\n`,
  );
  const use = (ticks: number) => ({ cpuTicks: ticks, peakRssKb: 51_200, rssSamplesKb: [40_960, 45_056] });
  return {
    key,
    wrk,
    hop: hopTicks === undefined ? undefined : use(hopTicks),
    upstream: use(100),
    clockTicksPerSec: 100,
    wrkCpuTicks: 10,
    otherLoadCores: 0.25,
  };
}

describe("bench results", () => {
  it("reads wrk's report line", () => {
    const r = parseWrkReport(`noise\n${wrkLine}\n`);
    expect(r).toMatchObject({ requests: 20000, durationUs: 10_000_000, errors: { status: 3, timeout: 1 }, latencyUs: { p50: 2500, p99: 9000 } });
    expect(() => parseWrkReport("no report")).toThrow(/WRK_JSON/);
  });

  it("turns ticks into CPU per request and computes the ratios against nginx and direct", () => {
    const rows = [phase("direct", 50_000, 5_000), phase("nginx", 40_000, 6_000, 40), phase("proxy", 32_000, 7_500, 480), phase("node-hop", 38_000, 6_500, 200)];
    const s = rows.map(summarize);
    expect(s[2]).toMatchObject({ rps: 3200, p99Ms: 7.5, hopCpuUsPerReq: 150, hopPeakRssMb: 50, hopRssFirstMb: 40, hopRssLastMb: 44 });
    expect(s[0]!.hopCpuUsPerReq).toBeUndefined();
    const ratios = computeRatios(s);
    expect(ratios.proxyOverNginx).toBeCloseTo(0.8);
    expect(ratios.proxyOverDirect).toBeCloseTo(0.64);
    expect(ratios.p99DeltaMs).toBeCloseTo(1.5);
    expect(ratios.nodeHopOverNginx).toBeCloseTo(0.95);
    expect(formatRatios(ratios)).toContain("proxy/nginx throughput 0.80");
    expect(formatRatios(ratios)).toContain("bare Node hop/nginx throughput 0.95");
    // (c) 150 µs against (d) 200 ticks over 3,800 requests: about 52.6 µs.
    expect(ratios.proxyCpuOverNodeHop).toBeCloseTo(150 / (2_000_000 / 38_000));
    expect(formatRatios(ratios)).toContain("dm-bridge/bare Node hop CPU per message 2.85 (target ≤ 1.5)");
    expect(formatRatios(ratios)).not.toContain("translation alone");
    const withAlone = computeRatios(s, 79);
    expect(withAlone.translationOverNodeHop).toBeCloseTo(79 / (2_000_000 / 38_000));
    expect(formatRatios(withAlone)).toContain(
      "the translation alone, in one process without sockets, 79 µs CPU per message (1.50 × the bare Node hop's whole CPU)",
    );
    const table = formatTable(s).split("\n");
    expect(table).toHaveLength(6);
    expect(table[4]).toContain("| 3200 | 2.50 | 7.50 | – | 150 | – |");
  });

  it("reads CPU ticks and memory from /proc lines, even with spaces in the process name", () => {
    const stat = "4242 (node worker) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 56 7 8 20 0 11 0 500 100000 2000";
    expect(parseCpuTicks(stat)).toBe(1290);
    expect(parseChildTicks(stat)).toBe(15);
    expect(parseStatusKb("Name:\tnode\nVmHWM:\t  123456 kB\nVmRSS:\t   99999 kB\n", "VmHWM")).toBe(123456);
    expect(parseMachineTicks("cpu  100 5 50 800 20 3 2 0 0 0\ncpu0 1 2 3\n")).toEqual({ busy: 160, total: 980 });
  });

  it("counts the main thread of the measured dump only, not the warm-up, nor V8's compiler threads", () => {
    const dump = (part: number, thread: number, trigger: string, ir: number) =>
      `# callgrind format\nversion: 1\npart: ${part}\nthread: ${thread}\n\ndesc: Trigger: ${trigger}\n\nevents: Ir\nsummary: ${ir}\n\nfn=x\ntotals: ${ir + 7}\n`;
    const dumps = [dump(1, 3, "dump measured", 9_000), dump(1, 1, "Program termination", 5_000), dump(1, 1, "dump measured", 812_101_772)];
    expect(mainThreadInstructions(dumps)).toBe(812_101_772);
    expect(() => mainThreadInstructions(dumps.slice(0, 2))).toThrow(/no dump of the main thread/);
  });

  it("replaces its own block of the results document and keeps the rest", () => {
    const doc = "# Benchmarks\n\nprose\n\n<!-- bench:default -->\nold\n<!-- /bench:default -->\n\nmore prose\n";
    const next = replaceBlock(doc, "default", "new table");
    expect(next).toBe("# Benchmarks\n\nprose\n\n<!-- bench:default -->\nnew table\n<!-- /bench:default -->\n\nmore prose\n");
    expect(replaceBlock(next, "soak", "long run")).toContain("more prose\n\n<!-- bench:soak -->\nlong run\n<!-- /bench:soak -->\n");
  });

  it("draws one bar per case in each panel, and a memory line per sample", () => {
    const rows = [phase("direct", 50_000, 5_000), phase("nginx", 40_000, 6_000, 40), phase("proxy", 32_000, 7_500, 480)].map(summarize);
    const svg = renderChart(rows, "50 connections <test> & more");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<rect /g)).toHaveLength(1 + 3 + 6 + 2);
    expect(svg).toContain("50 connections &lt;test&gt; &amp; more");
    expect(svg).toContain(">3200<");
    const mem = renderMemoryChart([40_960, 41_000, 41_100], 5, "memory");
    expect(mem.match(/points="([^"]+)"/)![1]!.split(" ")).toHaveLength(3);
    expect(mem).toContain(">10 s<");
  });

  it("configures nginx with upstream keepalive and the Host header passed through", () => {
    const conf = nginxConfig({ dir: "/tmp/x", listenPort: 8081, upstreamPort: 8082 });
    expect(conf).toContain("server 127.0.0.1:8082;");
    expect(conf).toMatch(/keepalive \d+;/);
    expect(conf).toContain('proxy_set_header Connection "";');
    expect(conf).toContain("proxy_set_header Host $http_host;");
    expect(conf).toContain("listen 127.0.0.1:8081;");
  });
});

describe("bench rounds", () => {
  it("reports each case by its median round and lists every round", () => {
    const runs = [
      phase("nginx", 30_000, 1),
      phase("proxy", 10_000, 1, 5),
      phase("nginx", 50_000, 1),
      phase("proxy", 20_000, 1, 5),
      phase("nginx", 40_000, 1),
      phase("proxy", 30_000, 1, 5),
    ];
    const { rows, rounds } = pickMedianRounds(runs.map(summarize));
    expect(rows.map((r) => [r.key, r.rps])).toEqual([
      ["nginx", 4000],
      ["proxy", 2000],
    ]);
    expect(rounds).toBe("req/s per round: nginx 3000 / 5000 / 4000; proxy 1000 / 2000 / 3000");
  });
});

describe("bench scale-out cases", () => {
  const withIdleP50 = (r: PhaseResult, p50Us: number): PhaseResult => ({ ...r, idle: { ...r.wrk, latencyUs: { ...r.wrk.latencyUs, p50: p50Us } } });
  const census = {
    requests: 500,
    sent: [
      ["set", 500],
      ["eval", 500],
    ],
    inScripts: [
      ["hgetall", 500],
      ["hincrby", 500],
      ["pexpire", 500],
    ],
  } as NonNullable<PhaseResult["redisCensus"]>;
  const redisUse = (ticks: number) => ({ cpuTicks: ticks, peakRssKb: 8_192, rssSamplesKb: [8_192] });
  const proxy = withIdleP50(phase("proxy", 20_000, 9_000, 800), 800);
  const onRedis = { ...withIdleP50(phase("proxy-redis", 18_000, 9_000, 792), 1_000), redis: redisUse(54), redisCensus: census };
  const clusterPhase = phase("proxy-cluster", 22_000, 9_000, 1_100);
  const cluster = { ...clusterPhase, hop: { ...clusterPhase.hop!, cpuTicksEach: [22, 528, 550] }, redis: redisUse(66) };

  it("sums a cluster's processes: the primary, its workers, and a worker that replaced one during the run", () => {
    const children: Record<number, number[]> = { 10: [11, 12], 11: [13], 12: [], 13: [11] };
    expect(processTree(10, (pid) => children[pid] ?? [])).toEqual([10, 11, 12, 13]);
    expect(processTree(99, () => [])).toEqual([99]);
    const spent = ticksSpent(
      new Map([
        [10, 100],
        [11, 50],
        [12, 10],
      ]),
      new Map([
        [10, 150],
        [11, 80],
        [14, 5],
      ]),
    );
    expect(spent).toEqual({ ticks: 50 + 30 + 5, each: [50, 30, 5], gone: [12] });
  });

  it("tells the round trips to Redis from the commands a script runs inside it", () => {
    const lines = [
      "OK",
      '1764000000.000001 [0 127.0.0.1:40602] "set" "dm-bridge:nonce:ab" "1" "PX" "600000" "NX"',
      '1764000000.000002 [0 127.0.0.1:40602] "EVAL" "local hour, oldest = ARGV[1]\\n for i, key in ipairs(KEYS) do" "1" "k"',
      '1764000000.000003 [0 lua] "HGETALL" "dm-bridge:budget:user:x"',
      '1764000000.000004 [0 lua] "HINCRBY" "dm-bridge:budget:user:x" "491000" "1"',
      '1764000000.000005 [0 127.0.0.1:40610] "set" "dm-bridge:nonce:cd" "1" "PX" "600000" "NX"',
    ];
    expect(parseMonitor(`${lines.join("\n")}\n`)).toEqual({
      sent: [
        ["set", 2],
        ["eval", 1],
      ],
      inScripts: [
        ["hgetall", 1],
        ["hincrby", 1],
      ],
    });
  });

  it("puts one process without Redis, one with, and the cluster side by side, and says what Redis adds", () => {
    const rows = [proxy, onRedis, cluster].map(summarize);
    expect(rows[1]).toMatchObject({ hopCpuUsPerReq: 440, redisCpuUsPerReq: 30, redisRoundTripsPerReq: 2, p50IdleMs: 1 });
    expect(rows[1]!.redisCommandMix).toBe("set 1.00, eval 1.00; in scripts: hgetall 1.00, hincrby 1.00, pexpire 1.00");
    expect(rows[0]!.redisCpuUsPerReq).toBeUndefined();
    const ratios = computeRatios(rows);
    expect(ratios.redisOverProxy).toBeCloseTo(0.9);
    expect(ratios.clusterOverRedis).toBeCloseTo(22 / 18);
    expect(ratios.redisTrip).toMatchObject({ redisServerCpuUs: 30, roundTripsPerMessage: 2, p50LoadedMs: 0 });
    expect(ratios.redisTrip!.sidecarCpuUs).toBeCloseTo(40);
    expect(ratios.redisTrip!.p50IdleMs).toBeCloseTo(0.2);
    expect(formatRatios(ratios)).toContain("WEB_CONCURRENCY=2/one process with Redis throughput 1.22");
    const lines = formatScaleOut(rows, ratios, 50);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe("(c) direct_messages/new through dm-bridge: 2000 req/s, CPU 400 µs/message dm-bridge");
    expect(lines[2]).toBe(
      "(f) as (e), WEB_CONCURRENCY=2: 2200 req/s, CPU 500 µs/message dm-bridge (the primary 10, the workers 240 and 250) + 30 µs redis-server",
    );
    expect(lines[3]).toContain("Redis adds +40 µs CPU per message (sidecar) + 30 µs (redis-server), for 2.00 round trips a message");
    expect(lines[3]).toContain("about 35 µs a round trip; +0.20 ms at p50 with one connection, +0.00 ms at p50 under 50 connections");
    const table = formatTable(rows).split("\n");
    expect(table[3]).toContain("| 1800 | 2.50 | 9.00 | 1.00 | 440 | 30 |");
  });

  it("says nothing of Redis without both dm-bridge cases to compare", () => {
    const rows = [phase("nginx", 40_000, 6_000, 40), proxy, cluster].map(summarize);
    const ratios = computeRatios(rows);
    expect(ratios.redisTrip).toBeUndefined();
    expect(formatScaleOut(rows, ratios, 50).join("\n")).not.toContain("Redis adds");
    expect(formatScaleOut([phase("direct", 50_000, 5_000)].map(summarize), {}, 50)).toEqual([]);
  });

  it.skipIf(!redisServerInstalled)("counts what a real redis-server saw under MONITOR", async () => {
    const server = await startRedisServer();
    const client = new Redis(server.url, { lazyConnect: true });
    try {
      await client.connect();
      const { result, census } = await monitorRedis(server.port, async () => {
        await client.set("k", "1", "PX", 60_000, "NX");
        return client.eval("redis.call('hincrby', KEYS[1], 'h', 1) return redis.call('pexpire', KEYS[1], 1000)", 1, "b");
      });
      expect(result).toBe(1);
      expect(census).toEqual({
        sent: [
          ["set", 1],
          ["eval", 1],
        ],
        inScripts: [
          ["hincrby", 1],
          ["pexpire", 1],
        ],
      });
    } finally {
      client.disconnect();
      await stopProcess(server.child);
    }
  });
});
