/**
 * The upstream-economy scenarios of issue 17, run through the whole app (OAuth check, resolution, send, render)
 * on loopback against the sandbox, whose users endpoints answer after a set delay as X's do (100-300 ms). What is
 * measured is the number of users/lookup calls, not time: the quota the upstream counts is calls. (To measure an
 * older version, give it this script and today's src/sandbox, which has the delay.)
 */
import { DEMO, type ClientCredentials } from "../test/helpers/legacy-client";
import { SECOND, startTwoCallers } from "../test/helpers/two-callers";

export const LOOKUP_DELAY_MS = 80;

const RATE_LIMITED = '{"errors":[{"code":88,"message":"Rate limit exceeded."}]}';

async function setup() {
  const h = await startTwoCallers({ lookupDelayMs: LOOKUP_DELAY_MS });
  const status = async (res: Response) => (await res.arrayBuffer(), res.status);
  return {
    sandbox: h.sandbox,
    send: async (creds: ClientCredentials, name: string) => status(await h.send(creds, name)),
    burst: async (asks: [ClientCredentials, string][]) => Promise.all((await h.burst(asks)).map(status)),
    lookupCalls: h.lookupCalls,
    close: () => h.close(),
  };
}

export interface ScenarioResult {
  scenario: string;
  names: number;
  /** From a fresh app: the callers' own profiles, which every answer renders, not cached either. */
  cold: ScenarioCount;
  /** After each caller sent one message to a known user: its own profile cached, the recipients' lookups alone. */
  warm: ScenarioCount;
}

export interface ScenarioCount {
  calls: number;
  statuses: Record<number, number>;
}

const names = (from: number, count: number) => Array.from({ length: count }, (_, i) => `load_${from + i}`);

function tally(statuses: number[]): Record<number, number> {
  const t: Record<number, number> = {};
  for (const s of statuses) t[s] = (t[s] ?? 0) + 1;
  return t;
}

/**
 * Each scenario runs twice, on a fresh app each time: cold, counted from the start; and warm, after one message per
 * caller to a known user, so that the callers' own profiles are cached and the count is the recipients' lookups.
 */
async function measure(
  scenario: string,
  callers: ClientCredentials[],
  run: (s: Awaited<ReturnType<typeof setup>>) => Promise<{ names: number; statuses: number[]; since?: number }>,
): Promise<ScenarioResult> {
  const counts: ScenarioCount[] = [];
  let nameCount = 0;
  for (const warm of [false, true]) {
    const s = await setup();
    if (warm) for (const c of callers) await s.send(c, "dougw");
    const before = s.lookupCalls();
    const { names: n, statuses, since } = await run(s);
    await s.close();
    nameCount = n;
    counts.push({ calls: s.lookupCalls() - (since ?? before), statuses: tally(statuses) });
  }
  return { scenario, names: nameCount, cold: counts[0]!, warm: counts[1]! };
}

export async function runLookupScenarios(): Promise<ScenarioResult[]> {
  return [
    await measure("1 DM to 1 new name (a lone request)", [DEMO], async (s) => ({ names: 1, statuses: [await s.send(DEMO, "load_1")] })),
    await measure("200 concurrent DMs to 200 new names, one caller", [DEMO], async (s) => ({
      names: 200,
      statuses: await s.burst(names(1000, 200).map((n) => [DEMO, n])),
    })),
    await measure("1,000 concurrent DMs to 1,000 new names, two callers", [DEMO, SECOND], async (s) => ({
      names: 1000,
      statuses: await s.burst(names(2000, 1000).map((n, i) => [i % 2 ? SECOND : DEMO, n])),
    })),
    await measure("two callers naming the same 100 new names at once", [DEMO, SECOND], async (s) => ({
      names: 100,
      statuses: await s.burst(
        names(4000, 100).flatMap((n): [ClientCredentials, string][] => [
          [DEMO, n],
          [SECOND, n],
        ]),
      ),
    })),
    await measure("5 new names after a 429 whose reset is 10 minutes ahead", [DEMO], async (s) => {
      s.sandbox.setFault("users/lookup", {
        kind: "status",
        status: 429,
        body: RATE_LIMITED,
        headers: { "x-rate-limit-limit": "900", "x-rate-limit-remaining": "0", "x-rate-limit-reset": String(Math.floor(Date.now() / 1000) + 600) },
      });
      await s.send(DEMO, "load_5000");
      // Only the five count, not the 429 that told the proxy its limit.
      const since = s.lookupCalls();
      const statuses: number[] = [];
      for (const n of names(5001, 5)) statuses.push(await s.send(DEMO, n));
      return { names: 5, statuses, since };
    }),
  ];
}
