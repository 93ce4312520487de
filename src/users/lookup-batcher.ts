import { BridgeError } from "../core/errors";
import type { XUser } from "../core/x-types";
import type { OAuthCredentials } from "../oauth/signature";

export type LookupBy = "screen_name" | "user_id";
export type LookupUsers = (creds: OAuthCredentials, by: LookupBy, values: readonly string[]) => Promise<XUser[]>;

export interface LookupBatcherOptions {
  lookup: LookupUsers;
  /** How long a batch waits for company before it is sent. */
  windowMs: number;
  /** users/lookup takes at most 100 names or ids per call. */
  maxBatch?: number;
  /** Runs `run` after `ms`; returns a cancel function. */
  schedule?: (run: () => void, ms: number) => () => void;
}

interface Batch {
  creds: OAuthCredentials;
  by: LookupBy;
  waiters: Map<string, { resolve(user: XUser | undefined): void; reject(err: unknown): void }[]>;
  sent: boolean;
  cancelTimer?: () => void;
}

/**
 * Gathers concurrent lookups of one caller into users/lookup calls of up to 100 values. A value missing from the
 * answer resolves to undefined for its own waiters only; a failed call rejects exactly the waiters it carried.
 * Values are expected normalized (lower-case names).
 */
export function createLookupBatcher(o: LookupBatcherOptions) {
  const maxBatch = o.maxBatch ?? 100;
  const schedule =
    o.schedule ??
    ((run, ms) => {
      const timer = setTimeout(run, ms);
      return () => clearTimeout(timer);
    });
  const open = new Map<string, Batch>();

  async function send(key: string, batch: Batch): Promise<void> {
    if (batch.sent) return;
    batch.sent = true;
    // A batch sent because it filled up must not stay reachable from its pending timer.
    batch.cancelTimer?.();
    if (open.get(key) === batch) open.delete(key);
    const values = [...batch.waiters.keys()];
    let found: Map<string, XUser>;
    try {
      const users = await lookupRetryingOnce(o.lookup, batch.creds, batch.by, values);
      found = new Map(users.map((u) => [batch.by === "user_id" ? u.id_str : u.screen_name.toLowerCase(), u]));
    } catch (err) {
      // users/lookup answers 404 when none of the values exist: that is an answer, not a failure.
      if (!(err instanceof BridgeError && err.kind === "recipient_not_found")) {
        for (const ws of batch.waiters.values()) for (const w of ws) w.reject(err);
        return;
      }
      found = new Map();
    }
    for (const [value, ws] of batch.waiters) for (const w of ws) w.resolve(found.get(value));
  }

  return function lookupOne(creds: OAuthCredentials, by: LookupBy, value: string): Promise<XUser | undefined> {
    const key = `${creds.consumerKey}\n${creds.token}\n${by}`;
    let batch = open.get(key);
    if (!batch) {
      const created: Batch = { creds, by, waiters: new Map(), sent: false };
      open.set(key, created);
      created.cancelTimer = schedule(() => void send(key, created), o.windowMs);
      batch = created;
    }
    const b = batch;
    return new Promise((resolve, reject) => {
      const ws = b.waiters.get(value) ?? [];
      ws.push({ resolve, reject });
      b.waiters.set(value, ws);
      if (b.waiters.size >= maxBatch) void send(key, b);
    });
  };
}

/** A lookup is an idempotent GET: one more try after a connection failure is safe (a timeout is not retried). */
async function lookupRetryingOnce(lookup: LookupUsers, creds: OAuthCredentials, by: LookupBy, values: string[]) {
  try {
    return await lookup(creds, by, values);
  } catch (err) {
    if (err instanceof BridgeError && err.kind === "upstream_unreachable") return lookup(creds, by, values);
    throw err;
  }
}
