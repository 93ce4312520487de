import { Hono, type Context } from "hono";
import type { HmacSha1 } from "../oauth/signature";
import { createSandboxVerifier } from "./sandbox-auth";
import { createSandboxUsers, DEMO_CREDENTIALS, findGeneratedUser, type SandboxUser } from "./sandbox-users";

/** A fault the sandbox can be told to inject on its next answers, for failure tests and the soak script. */
export type SandboxFault =
  | { kind: "hang" }
  | { kind: "reset" }
  | { kind: "garbage" }
  | { kind: "status"; status: number; body: string; headers?: Record<string, string> };

export interface SandboxOptions {
  hmac: HmacSha1;
  clock: () => number;
  consumers?: Record<string, string>;
  tokens?: Record<string, string>;
  /** Messages a sender may send before the sandbox answers 429 code 88, as X's daily limit would. */
  dailyLimitPerUser?: number;
}

export interface SentEvent {
  id: string;
  sender_id: string;
  recipient_id: string;
  text: string;
}

export interface SandboxStats {
  calls: Record<string, number>;
  /** The names or ids asked for by each users/lookup call, in order. */
  lookups: string[][];
  events: SentEvent[];
}

const ERROR = (code: number, message: string) => ({ errors: [{ code, message }] });

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
  const sentBy = new Map<string, number>();
  let nextEventId = 1855000000000000001n;

  const app = new Hono<{ Variables: { token: string } }>();

  app.use("/1.1/*", async (c, next) => {
    const route = c.req.path.replace(/^\/1\.1\//, "").replace(/\.json$/, "");
    stats.calls[route] = (stats.calls[route] ?? 0) + 1;
    const armed = faults.get(route);
    if (armed && --armed.remaining <= 0) faults.delete(route);
    const fault = armed?.fault;
    if (fault?.kind === "hang") return new Promise<Response>(() => {});
    if (fault?.kind === "reset") return resetConnection(c.env);
    if (fault?.kind === "garbage") return c.text("<html>502 Bad Gateway</html>", 200);
    if (fault?.kind === "status") return new Response(fault.body, { status: fault.status, headers: fault.headers });
    const auth = await verify(c.req.method, c.req.url, c.req.header("authorization") ?? null);
    if (!auth.ok) return c.json(ERROR(auth.code, auth.message), auth.code === 215 ? 400 : 401);
    c.set("token", auth.token);
    await next();
  });

  const ownerOf = (token: string) => users.get(token.split("-")[0] ?? "") ?? users.get("776627022")!;

  app.get("/1.1/users/lookup.json", (c) => {
    const byId = c.req.query("user_id");
    const names = (byId ?? c.req.query("screen_name") ?? "").split(",").filter(Boolean);
    stats.lookups.push(names);
    if (names.length > 100) return c.json(ERROR(18, "Too many terms specified in query."), 403);
    const found = names
      .map((n) => (byId !== undefined ? users.get(n) : byName.get(n.toLowerCase())))
      .filter((u): u is SandboxUser => u !== undefined);
    if (found.length === 0) return c.json(ERROR(17, "No user matches for specified terms."), 404);
    return c.json(found.map((u) => u.user));
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
      | { event?: { type?: string; message_create?: { target?: { recipient_id?: unknown }; message_data?: { text?: unknown } } } }
      | undefined;
    const mc = body?.event?.type === "message_create" ? body.event.message_create : undefined;
    const recipientId = mc?.target?.recipient_id;
    const text = mc?.message_data?.text;
    if (typeof recipientId !== "string" || typeof text !== "string" || text === "") {
      return c.json(ERROR(214, "event.message_create.target.recipient_id: field is required"), 400);
    }
    if ([...text].length > 10_000) return c.json(ERROR(354, "The text of your direct message is over the max character limit."), 403);
    const recipient = users.get(recipientId);
    if (!recipient) return c.json(ERROR(108, "Cannot find specified user."), 404);
    if (recipient.refuses === "not_following") return c.json(ERROR(150, "You cannot send messages to users who are not following you."), 403);
    if (recipient.refuses === "blocked") return c.json(ERROR(349, "You cannot send messages to this user."), 403);
    const sentToday = sentBy.get(sender.user.id_str) ?? 0;
    const limit = o.dailyLimitPerUser ?? 1000;
    if (sentToday >= limit) {
      c.header("x-rate-limit-limit", String(limit));
      c.header("x-rate-limit-remaining", "0");
      c.header("x-rate-limit-reset", String(Math.floor(o.clock() / 1000) + 86_400));
      return c.json(ERROR(88, "Rate limit exceeded."), 429);
    }
    const id = String(nextEventId++);
    sentBy.set(sender.user.id_str, sentToday + 1);
    stats.events.push({ id, sender_id: sender.user.id_str, recipient_id: recipientId, text });
    return c.json({
      event: {
        type: "message_create",
        id,
        created_timestamp: String(o.clock()),
        message_create: {
          target: { recipient_id: recipientId },
          sender_id: sender.user.id_str,
          message_data: { text, entities: { hashtags: [], symbols: [], user_mentions: [], urls: [] } },
        },
      },
    });
  }

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
