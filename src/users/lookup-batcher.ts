import { BridgeError } from "../core/errors";
import type { XUser } from "../core/x-types";
import type { OAuthCredentials } from "../oauth/signature";

export type LookupBy = "screen_name" | "user_id";
export type LookupUsers = (creds: OAuthCredentials, by: LookupBy, values: readonly string[]) => Promise<XUser[]>;
/** The error to answer at once, without an upstream call, while the caller's lookup quota is spent. */
export type LookupRefusal = (creds: OAuthCredentials, by: LookupBy) => BridgeError | undefined;

export interface LookupBatcherOptions {
  lookup: LookupUsers;
  /** How long an idle caller's lookups wait for company: sent once no new one came for this long. */
  windowMs: number;
  /** The same for a caller whose lookups are already streaming (it has had a call in flight): a pause this long. */
  streamGapMs?: number;
  /** Longest a value waits for company, in all, once its caller's calls are not in flight. */
  maxWaitMs?: number;
  /** users/lookup takes at most 100 names or ids per call. */
  maxBatch?: number;
  /** Runs `run` after `ms`; returns a cancel function. */
  schedule?: (run: () => void, ms: number) => () => void;
  /** Milliseconds, for the time since a caller's last new value; the scheduler's own clock. */
  now?: () => number;
  refusal?: LookupRefusal;
  /** Told of every users/lookup call sent, with the number of values it carries. */
  onSend?: (values: number) => void;
}

interface Waiter {
  caller: string;
  creds: OAuthCredentials;
  resolve(user: XUser | undefined): void;
  reject(err: unknown): void;
}

/** One value waiting to be looked up or in flight, for whichever caller asked first, and everyone waiting on it. */
interface Claim {
  key: string;
  value: string;
  waiters: Waiter[];
}

/** One caller's values of one kind: waiting to be sent, and how many of its calls are in flight. */
interface Queue {
  key: string;
  caller: string;
  creds: OAuthCredentials;
  by: LookupBy;
  pending: Claim[];
  /** When the oldest and the newest pending values arrived. */
  firstArrival: number;
  lastArrival: number;
  /** It has sent a call since it was last idle: its values are a stream, worth waiting for. */
  streaming: boolean;
  flights: number;
  cancelTimer?: () => void;
}

/**
 * Gathers lookups into users/lookup calls of up to 100 values, spending as few calls as the traffic allows (the
 * upstream's quota, 900 calls per 15 minutes per token, is what is scarce):
 * - an idle caller's values go once no new one came for the window: a lone lookup waits the window, no more;
 * - values that arrive while one of the caller's calls is in flight wait for it, then go together once no caller
 *   has asked for anything for `streamGapMs` or the oldest has waited `maxWaitMs`; 100 waiting go at once. A
 *   burst of concurrent requests thus costs about one call per hundred names, however slowly they come in;
 * - a value already waiting or in flight for any caller is not looked up again: its new waiters join it;
 * - a joiner is never given another caller's own failure (a refused token, a spent quota): it looks the value up
 *   again with its own credentials. Failures of the upstream itself (a timeout, a 5xx) are everyone's.
 * A value missing from the answer resolves to undefined. Values are expected normalized (lower-case names).
 */
export function createLookupBatcher(o: LookupBatcherOptions) {
  const maxBatch = o.maxBatch ?? 100;
  const schedule =
    o.schedule ??
    ((run, ms) => {
      const timer = setTimeout(run, ms);
      return () => clearTimeout(timer);
    });
  const now = o.now ?? (() => performance.now());
  const streamGapMs = o.streamGapMs ?? Math.max(o.windowMs, DEFAULT_STREAM_GAP_MS);
  const maxWaitMs = o.maxWaitMs ?? Math.max(o.windowMs, DEFAULT_MAX_WAIT_MS);
  const claims = new Map<string, Claim>();
  const queues = new Map<string, Queue>();
  /** When any caller last asked for a value: while requests keep coming, a stream has not ended. */
  let lastAsked = 0;

  function queueOf(w: Waiter, by: LookupBy): Queue {
    const key = `${w.caller}\n${by}`;
    let q = queues.get(key);
    if (!q) queues.set(key, (q = { key, caller: w.caller, creds: w.creds, by, pending: [], firstArrival: 0, lastArrival: 0, streaming: false, flights: 0 }));
    return q;
  }

  function enqueue(w: Waiter, by: LookupBy, value: string): void {
    const refused = o.refusal?.(w.creds, by);
    if (refused) return w.reject(refused);
    lastAsked = now();
    const key = `${by}\n${value}`;
    const joined = claims.get(key);
    if (joined) {
      joined.waiters.push(w);
      return;
    }
    const claim: Claim = { key, value, waiters: [w] };
    claims.set(key, claim);
    const q = queueOf(w, by);
    q.lastArrival = lastAsked;
    if (q.pending.length === 0) q.firstArrival = q.lastArrival;
    q.pending.push(claim);
    if (q.pending.length >= maxBatch) send(q);
    else if (q.flights === 0 && !q.cancelTimer) wait(q, q.streaming ? streamGapMs : o.windowMs);
  }

  function wait(q: Queue, ms: number): void {
    const due = now() + ms;
    q.cancelTimer = schedule(() => {
      q.cancelTimer = undefined;
      // Nothing came during the pause after its last call: the caller is idle again.
      if (q.pending.length === 0) queues.delete(q.key);
      else sendWhenQuiet(q, now() - due);
    }, ms);
  }

  /** Sends what waits once no new value came for the gap, or the oldest has waited long enough; else waits. */
  function sendWhenQuiet(q: Queue, lateMs = 0): void {
    const t = now();
    // A streaming caller's requests are interleaved with everyone else's: its stream pauses when they all do.
    let gapLeft = q.streaming ? streamGapMs - (t - lastAsked) : o.windowMs - (t - q.lastArrival);
    const waitLeft = maxWaitMs - (t - q.firstArrival);
    // A timer that fires late ran after the event loop was busy, maybe with requests whose names have not reached
    // this queue yet: a stream's quiet is only believed once the loop has had a turn to read them.
    if (q.streaming && lateMs > LATE_TIMER_MS) gapLeft = Math.max(gapLeft, LATE_TIMER_MS);
    // Timers keep whole milliseconds: one that fires a fraction early must not cost a lone lookup another timer.
    if (Math.min(gapLeft, waitLeft) <= TIMER_GRAIN_MS) send(q);
    else wait(q, Math.min(gapLeft, waitLeft));
  }

  function send(q: Queue): void {
    q.cancelTimer?.();
    q.cancelTimer = undefined;
    const batch = q.pending;
    if (batch.length === 0) return;
    q.pending = [];
    q.flights++;
    q.streaming = true;
    // Values that waited while the quota ran out are refused here too, without a call.
    const refused = o.refusal?.(q.creds, q.by);
    if (!refused) o.onSend?.(batch.length);
    const answer = refused ? Promise.reject(refused) : lookupRetryingOnce(o.lookup, q.creds, q.by, batch.map((c) => c.value));
    answer.then(
      (users) => settle(q, batch, new Map(users.map((u) => [q.by === "user_id" ? u.id_str : u.screen_name.toLowerCase(), u]))),
      // users/lookup answers 404 when none of the values exist: that is an answer, not a failure.
      (err) => settle(q, batch, err instanceof BridgeError && err.kind === "recipient_not_found" ? new Map() : undefined, err),
    );
  }

  function settle(q: Queue, batch: Claim[], found: Map<string, XUser> | undefined, failure?: unknown): void {
    q.flights--;
    // Released before anyone is answered, so that a joiner who must look up again makes a claim of its own.
    for (const c of batch) claims.delete(c.key);
    const foreignRetries = found === undefined && isCallersOwn(failure);
    for (const c of batch) {
      for (const w of c.waiters) {
        if (found) w.resolve(found.get(c.value));
        else if (foreignRetries && w.caller !== q.caller) enqueue(w, q.by, c.value);
        else w.reject(failure);
      }
    }
    if (q.flights > 0 || q.cancelTimer) return;
    if (q.pending.length > 0) sendWhenQuiet(q);
    // A value that comes within a pause after the last call still belongs to the stream.
    else wait(q, streamGapMs);
  }

  return function lookupOne(creds: OAuthCredentials, by: LookupBy, value: string): Promise<XUser | undefined> {
    return new Promise((resolve, reject) => enqueue({ caller: `${creds.consumerKey}\n${creds.token}`, creds, resolve, reject }, by, value));
  };
}

const TIMER_GRAIN_MS = 1;
/** A timer this late says the event loop was busy while it should have fired. */
const LATE_TIMER_MS = 10;
/**
 * No request for this long ends a stream of lookups: about one lookup's time (X answers in 100-300 ms), longer
 * than most stalls of a busy event loop, which would otherwise split a burst into needless calls.
 */
const DEFAULT_STREAM_GAP_MS = 100;
/**
 * No value waits longer for company. Only a caller sending to new names faster than a pause of the stream gap
 * waits this long, and such a caller needs full calls: 20 new names a second would spend a 900-call quota in 45 s.
 */
const DEFAULT_MAX_WAIT_MS = 1_000;

const CALLERS_OWN_STATUS = new Set([401, 403, 429]);

/** A failure that says something about the caller's credentials or quota, not about the upstream or the values. */
export function isCallersOwn(err: unknown): boolean {
  if (!(err instanceof BridgeError)) return false;
  if (err.kind === "rate_limited" || err.kind.startsWith("auth_")) return true;
  return err.detail.upstreamStatus !== undefined && CALLERS_OWN_STATUS.has(err.detail.upstreamStatus);
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
