import type { Context, Hono } from "hono";
import type { XUser } from "../core/x-types";
import type { createSendLedger, SendRefusal } from "./sandbox-events";
import type { SandboxUser } from "./sandbox-users";

/** The X API v2 endpoints the proxy's v2 mode uses, with v2's user objects, `user.fields` and problem documents. */
export interface SandboxV2Context {
  users: { get(id: string): SandboxUser | undefined };
  byName: { get(name: string): SandboxUser | undefined };
  ownerOf(token: string): SandboxUser;
  ledger: ReturnType<typeof createSendLedger>;
  lookups: string[][];
}

type V2Env = { Variables: { token: string } };

export const problem = (status: number, title: string, detail: string, type = "about:blank") => ({ title, detail, type, status });

const DEFAULT_FIELDS = ["id", "name", "username"];

/** A v1.1 user as v2 writes it: ids as strings, ISO dates, counts under `public_metrics`. */
export function toV2User(u: XUser): Record<string, unknown> {
  const n = (v: unknown) => (typeof v === "number" ? v : 0);
  return {
    id: u.id_str,
    name: u.name,
    username: u.screen_name,
    created_at: new Date(Date.parse(u.created_at ?? "")).toISOString(),
    description: u.description ?? "",
    location: u.location ?? undefined,
    url: u.url ?? "",
    protected: u.protected ?? false,
    verified: u.verified ?? false,
    profile_image_url: u.profile_image_url_https,
    public_metrics: {
      followers_count: n(u.followers_count),
      following_count: n(u.friends_count),
      tweet_count: n(u.statuses_count),
      listed_count: n(u.listed_count),
      like_count: n(u.favourites_count),
    },
  };
}

function pick(user: XUser, fields: string | undefined): Record<string, unknown> {
  const wanted = new Set([...DEFAULT_FIELDS, ...(fields ?? "").split(",").filter(Boolean)]);
  return Object.fromEntries(Object.entries(toV2User(user)).filter(([k, v]) => wanted.has(k) && v !== undefined));
}

const notFound = (parameter: string, value: string) => ({
  value,
  detail: `Could not find user with ${parameter}: [${value}].`,
  title: "Not Found Error",
  resource_type: "user",
  parameter,
  resource_id: value,
  type: "https://api.twitter.com/2/problems/resource-not-found",
});

export function registerV2Routes(app: Hono<V2Env>, s: SandboxV2Context): void {
  function many(c: Context, parameter: "ids" | "usernames", find: (v: string) => SandboxUser | undefined) {
    const values = (c.req.query(parameter) ?? "").split(",").filter(Boolean);
    s.lookups.push(values);
    if (values.length === 0 || values.length > 100) {
      return c.json(
        problem(
          400,
          "Invalid Request",
          `The \`${parameter}\` query parameter must hold 1 to 100 values.`,
          "https://api.twitter.com/2/problems/invalid-request",
        ),
        400,
      );
    }
    const fields = c.req.query("user.fields");
    const found = values.map((v) => [v, find(v)] as const);
    const data = found.filter(([, u]) => u).map(([, u]) => pick(u!.user, fields));
    const errors = found.filter(([, u]) => !u).map(([v]) => notFound(parameter === "ids" ? "id" : "username", v));
    // As v2 does: 200 either way, `data` only when something was found, `errors` for the rest.
    return c.json({ ...(data.length ? { data } : {}), ...(errors.length ? { errors } : {}) });
  }

  app.get("/2/users/by", (c) => many(c, "usernames", (v) => s.byName.get(v.toLowerCase())));
  app.get("/2/users", (c) => many(c, "ids", (v) => s.users.get(v)));
  app.get("/2/users/me", (c) => c.json({ data: pick(s.ownerOf(c.get("token")).user, c.req.query("user.fields")) }));
  app.get("/2/users/by/username/:username", (c) => {
    const name = c.req.param("username");
    s.lookups.push([name]);
    const u = s.byName.get(name.toLowerCase());
    return c.json(u ? { data: pick(u.user, c.req.query("user.fields")) } : { errors: [notFound("username", name)] });
  });

  app.post("/2/dm_conversations/with/:participant_id/messages", async (c) => {
    if (!(c.req.header("content-type") ?? "").startsWith("application/json")) {
      return c.json(problem(415, "Unsupported Media Type", "Content-Type must be application/json."), 415);
    }
    const body = (await c.req.json().catch(() => undefined)) as { text?: unknown; attachments?: unknown } | undefined;
    const attachments = body?.attachments;
    const validAttachments =
      attachments === undefined ||
      (Array.isArray(attachments) && attachments.length === 1 && /^[0-9]+$/.test(String((attachments[0] as { media_id?: unknown })?.media_id ?? "")));
    const text = body?.text;
    if (!body || !validAttachments || (text !== undefined && typeof text !== "string") || (!text && !attachments)) {
      return c.json(
        problem(400, "Invalid Request", "One or more parameters to your request was invalid.", "https://api.twitter.com/2/problems/invalid-request"),
        400,
      );
    }
    const sender = s.ownerOf(c.get("token"));
    const recipientId = c.req.param("participant_id");
    const mediaId = (attachments as { media_id: string }[] | undefined)?.[0]?.media_id;
    const outcome = s.ledger.send(sender, {
      recipient_id: recipientId,
      text: (text as string | undefined) ?? "",
      ...(mediaId ? { attachment: { type: "media", media: { id: String(mediaId) } } } : {}),
    });
    if ("refused" in outcome) return refuse(c, outcome);
    for (const [name, value] of Object.entries(s.ledger.quota(sender))) c.header(name, value);
    const pair = [sender.user.id_str, recipientId].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    return c.json({ data: { dm_conversation_id: pair.join("-"), dm_event_id: outcome.id } }, 201);
  });
}

function refuse(c: Context, r: SendRefusal): Response {
  switch (r.refused) {
    case "no_recipient":
      return c.json(
        problem(400, "Invalid Request", "One or more parameters to your request was invalid.", "https://api.twitter.com/2/problems/invalid-request"),
        400,
      );
    case "too_long":
      return c.json(problem(400, "Invalid Request", "Text exceeds the maximum length.", "https://api.twitter.com/2/problems/invalid-request"), 400);
    case "rate_limited":
      c.header("x-rate-limit-limit", String(r.limit));
      c.header("x-rate-limit-remaining", "0");
      c.header("x-rate-limit-reset", String(r.reset));
      return c.json(problem(429, "Too Many Requests", "Too Many Requests"), 429);
    default:
      return c.json(problem(403, "Forbidden", "You are not permitted to send a direct message to this user."), 403);
  }
}
