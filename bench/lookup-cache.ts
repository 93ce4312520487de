/**
 * Recipient resolution under a realistic mix: lookups per DM, the cache's hit ratio, and the memory one million
 * distinct names cost; first, the users/lookup calls of issue 17's scenarios. Run: npm run bench:lookups
 * (`-- --scenarios` for the scenarios alone).
 */
import type { XUser } from "../src/core/x-types";
import type { OAuthCredentials } from "../src/oauth/signature";
import type { LookupQuery } from "../src/users/lookup-batcher";
import { createUserDirectory, DEFAULT_USER_DIRECTORY } from "../src/users/user-directory";
import { LOOKUP_DELAY_MS, runLookupScenarios, type ScenarioCount } from "./lookup-scenarios";

const DMS = 100_000;
const SENDERS = 50;
const AUDIENCE = 20_000;
const UNKNOWN_SHARE = 0.02;
const IN_FLIGHT = 50;
const UPSTREAM_LATENCY_MS = 20;

const user = (id: string, name: string) => ({ id: Number(id), id_str: id, name, screen_name: name, description: "x".repeat(120) }) as XUser;
const creds = (i: number): OAuthCredentials => ({ consumerKey: "ck", consumerSecret: "cs", token: `${i}-tok`, tokenSecret: "ts" });

/** users/lookup as X answers it: known users found, unknown ones left out, after a network round trip. */
function upstream() {
  const counts = { calls: 0, values: 0 };
  const lookup = async (_c: OAuthCredentials, { screen_name, user_id }: LookupQuery) => {
    counts.calls++;
    counts.values += screen_name.length + user_id.length;
    await new Promise((r) => setTimeout(r, UPSTREAM_LATENCY_MS));
    return [
      ...screen_name.filter((v) => !v.startsWith("ghost")).map((v) => user(String(1e9 + Number(v.slice(5))), v)),
      ...user_id.map((v) => user(v, `user_${Number(v) - 1e9}`)),
    ];
  };
  return { counts, lookup };
}

/** Zipf-like popularity: a few recipients get most messages, as in real DM traffic. */
function pickRecipient(random: () => number): string {
  if (random() < UNKNOWN_SHARE) return `ghost${Math.floor(random() * 5_000)}`;
  const rank = Math.floor(AUDIENCE ** random());
  return `user_${rank}`;
}

async function measureMix() {
  const up = upstream();
  const directory = createUserDirectory(up.lookup, DEFAULT_USER_DIRECTORY);
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let resolutions = 0;
  let notFound = 0;
  let next = 0;
  const started = performance.now();
  async function worker() {
    while (next < DMS) {
      const i = next++;
      const c = creds(i % SENDERS);
      resolutions += 2;
      try {
        await directory.resolve({ by: "screen_name", value: pickRecipient(random) }, c);
        await directory.resolve({ by: "id", value: String(1e9 + 1_000_000 + (i % SENDERS)) }, c);
      } catch {
        notFound++;
      }
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - started) / 1000;
  return {
    dms: DMS,
    notFound,
    lookupCallsPerDm: up.counts.calls / DMS,
    valuesLookedUpPerDm: up.counts.values / DMS,
    hitRatio: 1 - up.counts.values / resolutions,
    seconds,
  };
}

async function measureMemory(names: number, maxEntries: number) {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const directory = createUserDirectory(async (_c, { screen_name }) => screen_name.map((v) => user(String(2e9 + Number(v.slice(2))), v)), {
    ...DEFAULT_USER_DIRECTORY,
    maxEntries,
    batchWindowMs: 0,
  });
  const c = creds(0);
  for (let i = 0; i < names; i += 1_000) {
    await Promise.all(Array.from({ length: 1_000 }, (_, j) => directory.resolve({ by: "screen_name", value: `n_${i + j}` }, c)));
  }
  gc?.();
  const after = process.memoryUsage().heapUsed;
  return { names, maxEntries, heapGrowthMiB: (after - before) / 2 ** 20, cached: directory.cacheSizes(), rssMiB: process.memoryUsage().rss / 2 ** 20 };
}

console.log(
  `upstream economy: users/lookup calls per scenario, lookups answering in ${LOOKUP_DELAY_MS} ms; cold from a fresh app, warm with the callers' own profiles cached first`,
);
for (const r of await runLookupScenarios()) {
  const count = (c: ScenarioCount) => `${c.calls} calls (${(c.calls / r.names).toFixed(3)} per name), answers ${JSON.stringify(c.statuses)}`;
  console.log(`  ${r.scenario}: cold ${count(r.cold)}; warm ${count(r.warm)}`);
}
if (process.argv.includes("--scenarios")) process.exit(0);

const mix = await measureMix();
console.log(
  `mix: ${DMS} DMs from ${SENDERS} senders to a Zipf audience of ${AUDIENCE} (${UNKNOWN_SHARE * 100}% unknown names), ${IN_FLIGHT} in flight, ${UPSTREAM_LATENCY_MS} ms upstream`,
);
console.log(`  users/lookup calls per DM: ${mix.lookupCallsPerDm.toFixed(4)}`);
console.log(`  names+ids looked up per DM: ${mix.valuesLookedUpPerDm.toFixed(4)}`);
console.log(`  cache hit ratio: ${(mix.hitRatio * 100).toFixed(2)}%  (not found: ${mix.notFound}, ${mix.seconds.toFixed(1)} s)`);
for (const maxEntries of [DEFAULT_USER_DIRECTORY.maxEntries, 1_000_000]) {
  const m = await measureMemory(1_000_000, maxEntries);
  console.log(
    `memory: 1,000,000 distinct names, USER_CACHE_MAX_ENTRIES=${maxEntries}: heap +${m.heapGrowthMiB.toFixed(1)} MiB, cached ${JSON.stringify(m.cached)}, rss ${m.rssMiB.toFixed(0)} MiB`,
  );
}
