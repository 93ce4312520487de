/**
 * `npm run measure:cpu:ab -- <checkout> <checkout> [...]`: CPU per translated request inside workerd (the first
 * figure of `npm run measure:cpu`) for two or more checkouts side by side. CPU time on this machine drifts by
 * 10–20% within minutes, more than most changes are worth, so every checkout's bench Worker runs in the same workerd
 * process and every round runs both paths on each of them in turn, order reversed every other round: a drift lands on
 * all alike.
 * Each checkout needs its `node_modules` (a symlink to this one's will do). Env: REQUESTS, ROUNDS.
 */
import { Miniflare } from "miniflare";
import { dirname, resolve } from "node:path";
import { signedLegacyRequest } from "../bench/presign";
import type { WorkerBundle } from "./worker-bundle";
import { batchCpuMs, benchBatch, buildBenchBundle, median } from "./workerd-cpu";

const N = Number(process.env.REQUESTS ?? 1_000);
const ROUNDS = Number(process.env.ROUNDS ?? 10);
const checkouts = process.argv.slice(2).map((p) => resolve(p));
if (checkouts.length < 2) throw new Error("usage: npm run measure:cpu:ab -- <checkout> <checkout> [...]");

const bundles: WorkerBundle[] = [];
for (const checkout of checkouts) bundles.push(await buildBenchBundle(checkout));
const mf = new Miniflare({
  workers: bundles.map((b, i) => ({
    name: `bench-${i}`,
    routes: [`bench-${i}.test/*`],
    modules: true,
    scriptPath: b.path,
    // A checkout outside this directory: workerd refuses module paths that climb out of its modules root.
    modulesRoot: dirname(b.path),
    compatibilityDate: b.compatibilityDate,
    compatibilityFlags: b.compatibilityFlags,
  })),
});
await mf.ready;

const paths = {
  "1.1 JSON": (i: number) =>
    signedLegacyRequest({ url: "http://dm-bridge.test/1.1/direct_messages/new.json", form: { screen_name: "theSeanCook", text: `message ${i} 🐦` } }),
  "1.0 XML": (i: number) =>
    signedLegacyRequest({ url: "http://dm-bridge.test/1/direct_messages/new.xml", form: { user: "theSeanCook", text: `message ${i} 🐦` } }),
};

try {
  const run = (i: number, body: string) => batchCpuMs((b) => mf.dispatchFetch(`http://bench-${i}.test/`, { method: "POST", body: b }), body, N);
  // Warm every Worker on both paths (JIT, caches, imported HMAC keys); each batch is signed afresh (new nonces).
  for (const make of Object.values(paths)) for (let i = 0; i < bundles.length; i++) await run(i, await benchBatch(N, make));
  const series = Object.keys(paths).map(() => bundles.map(() => [] as number[]));
  // Each round runs every path on every Worker, order reversed every other round: a drift lands on all alike.
  for (let round = 0; round < ROUNDS; round++) {
    const order = bundles.map((_, i) => i);
    if (round % 2) order.reverse();
    for (const [p, make] of Object.values(paths).entries()) {
      for (const i of order) series[p]![i]!.push(await run(i, await benchBatch(N, (k) => make(round * N + k))));
    }
  }
  for (const [p, name] of Object.keys(paths).entries()) {
    const byCheckout = series[p]!;
    console.log(`${name}: CPU per translated request inside workerd, ${ROUNDS} rounds of ${N}, median (best; rounds)`);
    byCheckout.forEach((xs, i) => {
      const ratio = i === 0 ? "" : `, ${((median(xs) / median(byCheckout[0]!) - 1) * 100).toFixed(1)}% against the first`;
      const rounds = xs.map((x) => x.toFixed(3)).join(", ");
      console.log(`  ${checkouts[i]}: ${median(xs).toFixed(3)} ms${ratio} (best ${Math.min(...xs).toFixed(3)}; ${rounds})`);
    });
  }
} finally {
  await mf.dispose();
}
