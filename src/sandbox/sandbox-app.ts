import { Hono, type Context } from "hono";
import type { XUser } from "../core/x-types";
import type { HmacSha1 } from "../oauth/signature";
import { createSandboxVerifier } from "./sandbox-auth";
import { checkMessageData, createSendLedger, type SentEvent } from "./sandbox-events";
import { problem, registerV2Routes } from "./sandbox-v2";
import { createSandboxUsers, DEMO_CREDENTIALS, findGeneratedUser, type SandboxUser } from "./sandbox-users";

/** A fault the sandbox can be told to inject on its next answers, for failure tests and the soak script. */
export type SandboxFault =
  | { kind: "hang" }
  | { kind: "reset" }
  | { kind: "garbage" }
  /** Holds the call this long, then answers it as usual: a slow upstream, or a send in flight at a stop signal. */
  | { kind: "delay"; ms: number }
  | { kind: "status"; status: number; body: string; headers?: Record<string, string> };

export interface SandboxOptions {
  hmac: HmacSha1;
  clock: () => number;
  consumers?: Record<string, string>;
  tokens?: Record<string, string>;
  /** Messages a sender may send before the sandbox answers 429 code 88, as X's daily limit would. */
  dailyLimitPerUser?: number;
  /** Keep only the newest this many events in `stats.events`, so a long benchmark does not grow the sandbox. */
  maxRecordedEvents?: number;
  /** How long the users endpoints take to answer (X's take 100-300 ms): what batching is measured against. */
  lookupDelayMs?: number;
  /** Users calls a token may make per 15 minutes before the sandbox answers 429 code 88, as X's 900 (default). */
  lookupsPerWindow?: number;
}

export interface SandboxStats {
  calls: Record<string, number>;
  /** The names or ids asked for by each users/lookup call, in order. */
  lookups: string[][];
  events: SentEvent[];
}

const ERROR = (code: number, message: string) => ({ errors: [{ code, message }] });
const LOOKUP_WINDOW_MS = 15 * 60_000;

export function createSandbox(o: SandboxOptions) {
  const seeded = createSandboxUsers();
  const seededByName = new Map<string, SandboxUser>([...seeded.values()].map((u) => [u.user.screen_name.toLowerCase(), u]));
  const users = { get: (id: string) => seeded.get(id) ?? findGeneratedUser("id", id) };
  const byName = { get: (name: string) => seededByName.get(name) ?? findGeneratedUser("screen_name", name) };
  const verify = createSandboxVerifier({
    consumers: o.consumers ?? DEMO_CREDENTIALS.consumers,
    tokens: o.tokens ?? DEMO_CREDENTIALS.tokens,
    hmac: o.hmac,
    clock: o.clock,
  });
  const stats: SandboxStats = { calls: {}, lookups: [], events: [] };
  const faults = new Map<string, { fault: SandboxFault; remaining: number }>();
  const ledger = createSendLedger({
    users,
    clock: o.clock,
    dailyLimitPerUser: o.dailyLimitPerUser ?? 1000,
    events: stats.events,
    maxRecordedEvents: o.maxRecordedEvents,
  });

  const app = new Hono<{ Variables: { token: string } }>();

  const guard = (v2: boolean) => async (c: Context, next: () => Promise<void>) => {
    // v1.1 routes are named `users/lookup`, v2 routes `2/users/by` (`:id`, `:username` for values), for stats and faults.
    const route = v2
      ? c.req.path
          .slice(1)
          .replace(/\/[0-9]+(?=\/|$)/g, "/:id")
          .replace(/(\/username)\/[^/]+$/, "$1/:username")
      : c.req.path.replace(/^\/1\.1\//, "").replace(/\.json$/, "");
    stats.calls[route] = (stats.calls[route] ?? 0) + 1;
    const armed = faults.get(route);
    if (armed && --armed.remaining <= 0) faults.delete(route);
    const fault = armed?.fault;
    if (fault?.kind === "hang") return new Promise<Response>(() => {});
    if (fault?.kind === "delay") await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault?.kind === "reset") return resetConnection(c.env);
    if (fault?.kind === "garbage") return c.text("<html>502 Bad Gateway</html>", 200);
    if (fault?.kind === "status") return new Response(fault.body, { status: fault.status, headers: fault.headers });
    const auth = await verify(c.req.method, c.req.url, c.req.header("authorization") ?? null);
    if (!auth.ok && v2) return c.json(problem(401, "Unauthorized", "Unauthorized"), 401);
    if (!auth.ok) return c.json(ERROR(auth.code, auth.message), auth.code === 215 ? 400 : 401);
    c.set("token", auth.token);
    await next();
  };
  app.use("/1.1/*", guard(false));
  app.use("/2/*", guard(true));

  // The users endpoints answer late, and count against the token's 15-minute quota, stated on every answer.
  const lookupWindows = new Map<string, { start: number; used: number }>();
  const usersQuota = (v2: boolean) => async (c: Context<{ Variables: { token: string } }>, next: () => Promise<void>) => {
    if (o.lookupDelayMs) await new Promise((r) => setTimeout(r, o.lookupDelayMs));
    const limit = o.lookupsPerWindow ?? 900;
    const now = o.clock();
    let w = lookupWindows.get(c.get("token"));
    if (!w || now - w.start >= LOOKUP_WINDOW_MS) lookupWindows.set(c.get("token"), (w = { start: now, used: 0 }));
    w.used++;
    const headers = {
      "x-rate-limit-limit": String(limit),
      "x-rate-limit-remaining": String(Math.max(0, limit - w.used)),
      "x-rate-limit-reset": String(Math.ceil((w.start + LOOKUP_WINDOW_MS) / 1000)),
    };
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    if (w.used > limit) return v2 ? c.json(problem(429, "Too Many Requests", "Too Many Requests"), 429) : c.json(ERROR(88, "Rate limit exceeded."), 429);
    await next();
  };
  app.use("/1.1/users/*", usersQuota(false));
  app.use("/2/users", usersQuota(true));
  app.use("/2/users/by", usersQuota(true));
  app.use("/2/users/by/*", usersQuota(true));

  const ownerOf = (token: string) => users.get(token.split("-")[0] ?? "") ?? users.get("776627022")!;

  // Names and ids in one call, as X takes them: 100 values in all, each user answered once.
  app.get("/1.1/users/lookup.json", (c) => {
    const values = (param: string) => (c.req.query(param) ?? "").split(",").filter(Boolean);
    const names = values("screen_name");
    const ids = values("user_id");
    stats.lookups.push([...names, ...ids]);
    if (names.length + ids.length > 100) return c.json(ERROR(18, "Too many terms specified in query."), 403);
    const found = new Map<string, XUser>();
    for (const u of [...names.map((n) => byName.get(n.toLowerCase())), ...ids.map((id) => users.get(id))]) if (u) found.set(u.user.id_str, u.user);
    if (found.size === 0) return c.json(ERROR(17, "No user matches for specified terms."), 404);
    return c.json([...found.values()]);
  });

  app.get("/1.1/users/show.json", (c) => {
    const id = c.req.query("user_id");
    const u = id !== undefined ? users.get(id) : byName.get((c.req.query("screen_name") ?? "").toLowerCase());
    return u ? c.json(u.user) : c.json(ERROR(50, "User not found."), 404);
  });

  app.get("/1.1/account/verify_credentials.json", (c) => c.json(ownerOf(c.get("token")).user));

  app.post("/1.1/direct_messages/events/new.json", async (c) => sendEvent(c, ownerOf(c.get("token"))));

  async function sendEvent(c: Context, sender: SandboxUser): Promise<Response> {
    if (!(c.req.header("content-type") ?? "").startsWith("application/json")) {
      return c.json(ERROR(415, "Content-Type must be application/json."), 415);
    }
    const body = (await c.req.json().catch(() => undefined)) as
      | { event?: { type?: string; message_create?: { target?: { recipient_id?: unknown }; message_data?: Record<string, unknown> } } }
      | undefined;
    const mc = body?.event?.type === "message_create" ? body.event.message_create : undefined;
    const recipientId = mc?.target?.recipient_id;
    const data = mc?.message_data ?? {};
    const text = data.text;
    if (typeof recipientId !== "string" || typeof text !== "string" || text === "") {
      return c.json(ERROR(214, "event.message_create.target.recipient_id: field is required"), 400);
    }
    const invalid = checkMessageData(data);
    if (invalid) return c.json(ERROR(214, invalid), 400);
    const { attachment, quick_reply } = data as Pick<SentEvent, "attachment" | "quick_reply">;
    const outcome = ledger.send(sender, { recipient_id: recipientId, text, ...(attachment ? { attachment } : {}), ...(quick_reply ? { quick_reply } : {}) });
    if ("refused" in outcome) {
      switch (outcome.refused) {
        case "too_long":
          return c.json(ERROR(354, "The text of your direct message is over the max character limit."), 403);
        case "no_recipient":
          return c.json(ERROR(108, "Cannot find specified user."), 404);
        case "not_following":
          return c.json(ERROR(150, "You cannot send messages to users who are not following you."), 403);
        case "blocked":
          return c.json(ERROR(349, "You cannot send messages to this user."), 403);
        case "rate_limited":
          c.header("x-rate-limit-limit", String(outcome.limit));
          c.header("x-rate-limit-remaining", "0");
          c.header("x-rate-limit-reset", String(outcome.reset));
          return c.json(ERROR(88, "Rate limit exceeded."), 429);
      }
    }
    for (const [name, value] of Object.entries(ledger.quota(sender))) c.header(name, value);
    return c.json({
      event: {
        type: "message_create",
        id: outcome.id,
        created_timestamp: String(o.clock()),
        message_create: {
          target: { recipient_id: recipientId },
          sender_id: sender.user.id_str,
          message_data: {
            text,
            entities: { hashtags: [], symbols: [], user_mentions: [], urls: [] },
            ...(attachment ? { attachment } : {}),
            ...(quick_reply ? { quick_reply } : {}),
          },
        },
      },
    });
  }

  registerV2Routes(app, { users, byName, ownerOf, ledger, lookups: stats.lookups });

  app.get("/_sandbox/stats", (c) => c.json(stats));
  app.notFound((c) => c.json(ERROR(34, "Sorry, that page does not exist."), 404));

  return {
    fetch: app.fetch,
    stats,
    /** Injects a fault on one route (`users/lookup`, `direct_messages/events/new`, …) for `times` calls or until cleared. */
    setFault(route: string, fault: SandboxFault | undefined, times = Infinity) {
      if (fault) faults.set(route, { fault, remaining: times });
      else faults.delete(route);
    },
  };
}

export type Sandbox = ReturnType<typeof createSandbox>;
export type { SentEvent };

/**
 * Drops the connection without an answer: on Node the socket itself is destroyed; where there is no socket (an
 * in-isolate sandbox on Workers) the body stream fails, which the client sees the same way.
 */
function resetConnection(env: unknown): Response | Promise<Response> {
  const socket = (env as { incoming?: { socket?: { destroy(): void } } } | undefined)?.incoming?.socket;
  if (socket) {
    socket.destroy();
    return new Promise<Response>(() => {});
  }
  return new Response(new ReadableStream({ start: (controller) => controller.error(new Error("connection reset")) }));
}
