import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signWebLegacyCall, type DEMO } from "./web-client";

/**
 * DM_BRIDGE_STATE in workerd: do-a and do-b are two Workers (two isolates, as two locations would be) sharing one
 * Durable Object namespace, sending to one sandbox X API whose ledger says what was really sent.
 */
const NEW_JSON = "http://proxy.test/1.1/direct_messages/new.json";
const AUTH_FAILED = { errors: [{ code: 32, message: "Could not authenticate you." }] };
const RATE_LIMITED = { errors: [{ code: 88, message: "Rate limit exceeded." }] };

type Creds = typeof DEMO;
const creds = (consumerKey: string, consumerSecret: string, token: string, tokenSecret: string): Creds => ({
  consumerKey,
  consumerSecret,
  token,
  tokenSecret,
});
const REPLAY_1 = creds("replay-app", "replay-app-secret", "776627022-replay-1", "replay-1-secret");
const REPLAY_2 = creds("replay-app", "replay-app-secret", "776627022-replay-2", "replay-2-secret");
const USER_BUDGET = creds("user-budget-app", "user-budget-secret", "776627022-user-budget", "user-budget-token-secret");
const APP_BUDGET_1 = creds("app-budget-app", "app-budget-secret", "776627022-app-budget-1", "app-budget-1-secret");
const APP_BUDGET_2 = creds("app-budget-app", "app-budget-secret", "776627022-app-budget-2", "app-budget-2-secret");
const REFUSED = creds("refused-app", "refused-app-secret", "776627022-refused", "refused-secret");

const send = (c: Creds, text: string, to = "dougw") => signWebLegacyCall({ url: NEW_JSON, form: { screen_name: to, text }, creds: c });

/** How many messages with this text the X API received, from any Worker. */
async function sentWithText(text: string): Promise<number> {
  const res = await env.DO_X_API.fetch(new Request("https://api.x.test/_sandbox/stats"));
  const stats = (await res.json()) as { events: { text: string }[] };
  return stats.events.filter((e) => e.text === text).length;
}

async function answer(res: Response) {
  return { status: res.status, body: await res.json(), limit: res.headers.get("x-rate-limit-limit") };
}

describe("DM_BRIDGE_STATE: nonces in the token's Durable Object", () => {
  it("sends one of two concurrent copies of a signed request that reach two Workers, and refuses the other", async () => {
    const text = `racing copies ${crypto.randomUUID()}`;
    const once = await send(REPLAY_1, text);
    const copy = once.clone();
    const answers = await Promise.all([env.DO_WORKER_A.fetch(once).then(answer), env.DO_WORKER_B.fetch(copy).then(answer)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401]);
    expect(answers.find((a) => a.status === 401)!.body).toEqual(AUTH_FAILED);
    expect(await sentWithText(text)).toBe(1);
  });

  it("refuses a replay into the other Worker after the first was answered, and again into the first", async () => {
    const text = `replayed later ${crypto.randomUUID()}`;
    const once = await send(REPLAY_2, text);
    const replays = [once.clone(), once.clone()];
    expect((await env.DO_WORKER_B.fetch(once)).status).toBe(200);
    expect(await answer(await env.DO_WORKER_A.fetch(replays[0]!))).toMatchObject({ status: 401, body: AUTH_FAILED });
    expect(await answer(await env.DO_WORKER_B.fetch(replays[1]!))).toMatchObject({ status: 401, body: AUTH_FAILED });
    expect(await sentWithText(text)).toBe(1);
  });

  it("says on /healthz that the state is shared", async () => {
    const res = await env.DO_WORKER_A.fetch(new Request("http://proxy.test/healthz"));
    expect(await res.json()).toMatchObject({ status: "ok", shared_state: "shared" });
  });
});

describe("DM_BRIDGE_STATE: daily budgets across Workers (DM_DAILY_LIMIT_PER_USER=3, _PER_APP=5)", () => {
  it("lets exactly 3 of 5 concurrent sends of one user through two Workers, and refuses the rest with 1.1's code 88", async () => {
    const text = `user budget ${crypto.randomUUID()}`;
    const requests = await Promise.all([0, 1, 2, 3, 4].map(() => send(USER_BUDGET, text)));
    const answers = await Promise.all(requests.map((r, i) => (i % 2 ? env.DO_WORKER_B : env.DO_WORKER_A).fetch(r).then(answer)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(3);
    const refused = answers.filter((a) => a.status !== 200);
    expect(refused).toEqual([
      { status: 429, body: RATE_LIMITED, limit: "3" },
      { status: 429, body: RATE_LIMITED, limit: "3" },
    ]);
    expect(await sentWithText(text)).toBe(3);
    // Still spent on the other Worker, one more time.
    expect(await answer(await env.DO_WORKER_B.fetch(await send(USER_BUDGET, text)))).toMatchObject({ status: 429, limit: "3" });
  });

  it("holds the app's budget over two tokens, giving the user's count back when the app's refuses", async () => {
    const text = `app budget ${crypto.randomUUID()}`;
    for (const worker of [env.DO_WORKER_A, env.DO_WORKER_B, env.DO_WORKER_A]) {
      expect((await worker.fetch(await send(APP_BUDGET_1, text))).status).toBe(200);
    }
    for (const worker of [env.DO_WORKER_B, env.DO_WORKER_A]) {
      expect((await worker.fetch(await send(APP_BUDGET_2, text))).status).toBe(200);
    }
    // Token 2 has sent 2 of its 3: each refusal below is the app's (limit 5). Had the first refusal kept the user's
    // count, the second would be the user's (limit 3).
    for (const worker of [env.DO_WORKER_B, env.DO_WORKER_A]) {
      expect(await answer(await worker.fetch(await send(APP_BUDGET_2, text)))).toEqual({ status: 429, body: RATE_LIMITED, limit: "5" });
    }
    expect(await sentWithText(text)).toBe(5);
  });
  it("gives back the sends the X API refused, in the object whichever Worker sent them", async () => {
    const text = `refused upstream ${crypto.randomUUID()}`;
    // lonely_heart does not follow the sender: X answers 403 code 150, nothing was sent.
    for (const worker of [env.DO_WORKER_A, env.DO_WORKER_B, env.DO_WORKER_A, env.DO_WORKER_B]) {
      expect((await worker.fetch(await send(REFUSED, text, "lonely_heart"))).status).toBe(403);
    }
    for (const worker of [env.DO_WORKER_B, env.DO_WORKER_A, env.DO_WORKER_B]) {
      expect((await worker.fetch(await send(REFUSED, text))).status).toBe(200);
    }
    expect(await answer(await env.DO_WORKER_A.fetch(await send(REFUSED, text)))).toMatchObject({ status: 429, limit: "3" });
    expect(await sentWithText(text)).toBe(3);
  });
});

describe("DM_BRIDGE_STATE that does not answer (DURABLE_OBJECT_TIMEOUT_MS=200)", () => {
  it("falls back to the isolate's memory: sends, refuses a replay into the same Worker, reports degraded", async () => {
    const text = `fallback ${crypto.randomUUID()}`;
    const once = await send(REPLAY_1, text);
    const replay = once.clone();
    expect((await env.DO_FALLBACK_WORKER.fetch(once)).status).toBe(200);
    expect(await answer(await env.DO_FALLBACK_WORKER.fetch(replay))).toMatchObject({ status: 401, body: AUTH_FAILED });
    expect(await sentWithText(text)).toBe(1);
    const health = await env.DO_FALLBACK_WORKER.fetch(new Request("http://proxy.test/healthz"));
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", shared_state: "degraded" });
  });

  it("with SHARED_STATE_REQUIRED=true, answers 503 in the dialect's form with Retry-After, and sends nothing", async () => {
    const text = `required ${crypto.randomUUID()}`;
    const request = await send(REPLAY_1, text);
    const retry = request.clone();
    const res = await env.DO_REQUIRED_WORKER.fetch(request);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(await res.json()).toEqual({ errors: [{ code: 130, message: "Over capacity." }] });
    // Nothing was remembered: the same request sent again is not taken for a replay.
    expect((await env.DO_REQUIRED_WORKER.fetch(retry)).status).toBe(503);
    expect(await sentWithText(text)).toBe(0);
  });
});
