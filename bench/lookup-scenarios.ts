/**
 * The upstream-economy scenarios of issue 17, run through the whole app (OAuth check, resolution, send, render)
 * on loopback against the sandbox, whose users endpoints answer after a set delay as X's do (100-300 ms). What is
 * measured is the number of users/lookup calls, not time: the quota the upstream counts is calls.
 */
import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { createApp } from "../src/app";
import { createStaticCredentialStore } from "../src/auth/credential-store";
import { createMemoryNonceStore } from "../src/auth/nonce-store";
import { createSandbox } from "../src/sandbox/sandbox-app";
import { DEMO_CREDENTIALS } from "../src/sandbox/sandbox-users";
import { createUndiciFetch } from "../src/upstream/undici-fetch";
import { DEFAULT_USER_DIRECTORY } from "../src/users/user-directory";
import { DEMO, signLegacyCall, type ClientCredentials } from "../test/helpers/legacy-client";
import { nodeHmac, randomId } from "../test/helpers/node-crypto";

export const LOOKUP_DELAY_MS = 80;

/** A second caller of the same app: Sean Cook's token. */
const SECOND: ClientCredentials = { ...DEMO, token: "38895958-second-access-token", tokenSecret: "second-token-secret" };
const TOKENS = { ...DEMO_CREDENTIALS.tokens, [SECOND.token]: SECOND.tokenSecret };
const RATE_LIMITED = '{"errors":[{"code":88,"message":"Rate limit exceeded."}]}';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function listen(fetch: (r: Request) => Response | Promise<Response>): Promise<{ url: string; close(): void }> {
  const server: ServerType = serve({ fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((r) => server.once("listening", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      server.close();
    },
  };
}

/** The sandbox and the proxy each on a loopback port, so that requests arrive as a real client's do: spread out. */
async function setup() {
  const sandbox = createSandbox({ hmac: nodeHmac, clock: Date.now, tokens: TOKENS });
  // The delay is added here rather than asked of the sandbox, so that this script also measures older versions.
  const upstream = await listen(async (r) => {
    if (new URL(r.url).pathname.includes("/users/")) await sleep(LOOKUP_DELAY_MS);
    return sandbox.fetch(r);
  });
  const upstreamFetch = createUndiciFetch();
  const app = createApp({
    fetch: upstreamFetch,
    hmac: nodeHmac,
    clock: Date.now,
    randomId,
    credentials: createStaticCredentialStore({ consumers: DEMO_CREDENTIALS.consumers, tokens: TOKENS }),
    upstreamUrl: upstream.url,
    upstreamTimeoutMs: 10_000,
    nonces: createMemoryNonceStore(10_000),
    userCache: { ...DEFAULT_USER_DIRECTORY, maxEntries: 10_000 },
  });
  const proxy = await listen(app.fetch);
  const sign = (creds: ClientCredentials, name: string) =>
    signLegacyCall({ url: `${proxy.url}/1.1/direct_messages/new.json`, form: { screen_name: name, text: `to ${name}` }, creds });
  const post = async (signed: Request) => {
    const res = await fetch(signed);
    await res.arrayBuffer();
    return res.status;
  };
  const send = (creds: ClientCredentials, name: string) => post(sign(creds, name));
  /** Concurrent DMs as clients send them: each signed beforehand, then all sent at once. */
  const burst = (asks: [ClientCredentials, string][]) => Promise.all(asks.map(([c, n]) => sign(c, n)).map(post));
  const lookupCalls = () => sandbox.stats.calls["users/lookup"] ?? 0;
  const close = () => {
    void upstreamFetch.close();
    proxy.close();
    upstream.close();
  };
  return { sandbox, send, burst, lookupCalls, close };
}

export interface ScenarioResult {
  scenario: string;
  names: number;
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
 * Each scenario starts a fresh app and sends one message per caller to a known user first, so the callers' own
 * profiles are cached and the count is that of the recipients' lookups alone.
 */
async function measure(scenario: string, callers: ClientCredentials[], run: (s: Awaited<ReturnType<typeof setup>>) => Promise<{ names: number; statuses: number[]; since?: number }>): Promise<ScenarioResult> {
  const s = await setup();
  for (const c of callers) await s.send(c, "dougw");
  const before = s.lookupCalls();
  const { names: n, statuses, since } = await run(s);
  s.close();
  return { scenario, names: n, calls: s.lookupCalls() - (since ?? before), statuses: tally(statuses) };
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
      statuses: await s.burst(names(4000, 100).flatMap((n): [ClientCredentials, string][] => [[DEMO, n], [SECOND, n]])),
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
