/**
 * `npm run bench:instructions -- <checkout> [<checkout> ...] [--messages 1000] [--connections 20]`: the machine
 * instructions the sidecar's main thread executes per legacy message, counted by valgrind's callgrind. CPU time
 * drifts 10-20% within minutes on this host; the count is steadier but not exact, because V8 still compiles and
 * collects at moments that differ from run to run. Runs of one version agreed within 1-3% some times (799, 812,
 * 826; 773, 774, 774) and spread 10% another (711, 785, 742 thousand): run each version two or three times and
 * trust only ranges that do not overlap. It does not see the kernel's work or cache misses: a change that only
 * moves those is invisible here and must be shown with bench:ab.
 *
 * For each checkout in turn: the sandbox upstream runs natively; the checkout's sidecar runs under callgrind; a
 * keep-alive client sends `--messages` signed legacy messages to warm it up, the counters are zeroed, the same
 * number again is sent and the counters are dumped. Only the main thread is counted: under valgrind, V8's
 * compiler threads do far more than in a real run (64% of all instructions under valgrind, 4.5% of the CPU time
 * of a real run under wrk), because the slowed JavaScript keeps them recompiling. About 3 minutes per checkout.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { ensureTools } from "./machine";
import { mainThreadInstructions } from "./proc";
import { LEGACY_BODY, signLegacyNow } from "./presign";
import { freePort, runCommand, sidecarArgs, sidecarEnv, startProcess, startSandboxUpstream, stopAll, stopProcess, waitForPort } from "./processes";

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: { messages: { type: "string", default: "1000" }, connections: { type: "string", default: "20" } },
});
if (positionals.length < 1) throw new Error("usage: npm run bench:instructions -- <checkout> [<checkout> ...] [--messages N]");
const [messages, connections] = [Number(opt.messages), Number(opt.connections)];

async function sendMessages(pool: Pool, url: string, n: number): Promise<void> {
  const sign = signLegacyNow(url);
  const path = new URL(url).pathname;
  const prefix = randomBytes(6).toString("hex");
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < n) {
        const authorization = sign(prefix + (next++).toString(36).padStart(6, "0"));
        const headers = { authorization, "content-type": "application/x-www-form-urlencoded" };
        const r = await pool.request({ path, method: "POST", headers, body: LEGACY_BODY });
        const text = await r.body.text();
        if (r.statusCode !== 200) throw new Error(`answer ${r.statusCode}: ${text.slice(0, 200)}`);
      }
    }),
  );
}

async function countInstructions(checkout: string, dir: string): Promise<number> {
  const { child: upstream, port: upstreamPort } = await startSandboxUpstream("1");
  const port = await freePort();
  const out = join(dir, `callgrind-${randomBytes(4).toString("hex")}.out`);
  const valgrind = ["--tool=callgrind", "--smc-check=all-non-file", "--separate-threads=yes", `--callgrind-out-file=${out}`];
  const sidecar = startProcess("valgrind", [...valgrind, process.execPath, ...sidecarArgs(checkout)], {
    cpus: "0",
    env: sidecarEnv(port, upstreamPort),
    quiet: true,
  });
  try {
    await waitForPort(port, 300_000);
    const url = `http://127.0.0.1:${port}/1.1/direct_messages/new.json`;
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections });
    await sendMessages(pool, url, messages); // warm-up: the JIT, the caches, the pool's connections
    await runCommand("callgrind_control", ["-z", String(sidecar.pid)]);
    await sendMessages(pool, url, messages);
    await runCommand("callgrind_control", ["-d", "measured", String(sidecar.pid)]);
    await pool.close();
    const name = out.split("/").pop()!;
    const dumps = readdirSync(dir)
      .filter((f) => f.startsWith(name))
      .map((f) => readFileSync(join(dir, f), "utf8"));
    return mainThreadInstructions(dumps);
  } finally {
    await stopProcess(sidecar);
    await stopProcess(upstream);
  }
}

ensureTools(["valgrind", "taskset"]);
const dir = mkdtempSync(join(tmpdir(), "dm-bridge-instructions-"));
process.on("SIGINT", () => (stopAll(), process.exit(130)));
try {
  for (const checkout of positionals.map((p) => resolve(p))) {
    const total = await countInstructions(checkout, dir);
    console.log(`${checkout}: ${(total / messages / 1000).toFixed(1)} thousand instructions per message (main thread, ${messages} messages)`);
  }
} finally {
  stopAll();
  rmSync(dir, { recursive: true, force: true });
}
