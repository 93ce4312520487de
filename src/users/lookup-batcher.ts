import { BridgeError } from "../core/errors";
import type { XUser } from "../core/x-types";
import type { OAuthCredentials } from "../oauth/signature";

export type LookupBy = "screen_name" | "user_id";
/** One users/lookup call's values, as its `screen_name` and `user_id` parameters: 100 at most, both kinds counted. */
export type LookupQuery = Readonly<Record<LookupBy, readonly string[]>>;

export interface LookupUsers {
  (creds: OAuthCredentials, query: LookupQuery): Promise<XUser[]>;
  /**
   * Set when the upstream takes one kind of value per call (the v2 API: `/2/users/by` and `/2/users`): each kind
   * then has its calls apart, so that one kind's failure is not the other's. v1.1's users/lookup takes both in one.
   */
  readonly oneKindPerCall?: boolean;
}
/** The error to answer at once, without an upstream call, while the caller's lookup quota is spent. */
export type LookupRefusal = (creds: OAuthCredentials, by: LookupBy) => BridgeError | undefined;

export interface LookupBatcherOptions {
  lookup: LookupUsers;
  /** How long an idle caller's lookups wait for company: sent once no new one came for this long. */
  windowMs: number;
  /** The same for a caller in a burst of new values (10 or more gathered during a call): a pause this long. */
  streamGapMs?: number;
  /** Longest a value of a burst waits for company, from its arrival (it also waits for a call in flight). */
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
  /** Set when it joins another caller's value: looks it up again, from its own request (see `inOwnRequest`). */
  retry?: () => void;
}

/** One value waiting to be looked up or in flight, for whichever caller asked first, and everyone waiting on it. */
interface Claim {
  key: string;
  by: LookupBy;
  value: string;
  waiters: Waiter[];
}

/**
 * One caller's values (names and ids together, unless the upstream takes one kind per call): waiting to be sent,
 * and how many of its calls are in flight.
 */
interface Queue {
  key: string;
  caller: string;
  creds: OAuthCredentials;
  pending: Claim[];
  /** When the oldest and the newest pending values arrived. */
  firstArrival: number;
  lastArrival: number;
  /** When its last call answered: a value that comes within a pause after that still belongs to its stream. */
  lastAnswer: number;
  /** How many values its last call carried. */
  lastSize: number;
  /** Its values come in a burst (10 or more gathered during one call): worth waiting for, to fill calls. */
  streaming: boolean;
  flights: number;
  cancelTimer?: () => void;
  /** Set while values wait for a call in flight: carries on from the newest one's own request once it answers. */
  resume?: () => void;
}

/**
 * Gathers lookups into users/lookup calls of up to 100 values, spending as few calls as the traffic allows (the
 * upstream's quota, 900 calls per 15 minutes per token, is what is scarce). A caller's names and ids share its
 * calls (a sender's own profile rides with its recipients' names), unless the upstream takes one kind per call:
 * - an idle caller's values go once no new one came for the window: a lone lookup waits the window, no more;
 * - values that arrive while one of the caller's calls is in flight wait for it and go together in the next call
 *   when it answers (a window after the newest); 100 waiting go at once;
 * - but when 10 or more gathered (a burst: many concurrent requests), they go once no caller has asked for
 *   anything for `streamGapMs` or the oldest has waited `maxWaitMs`, so that a burst costs about one call per
 *   hundred names however slowly its requests come in;
 * - a value already waiting or in flight for any caller is not looked up again: its new waiters join it;
 * - a joiner is never given another caller's own failure (a refused token, a spent quota): it looks the value up
 *   again with its own credentials. Failures of the upstream itself (a timeout, a 5xx) are everyone's.
 * A value missing from the answer resolves to undefined. Values are expected normalized (lower-case names).
 *
 * Timers and calls are always started from the request of a value that waits for them: on Workers, what one
 * request starts is cancelled when it ends, and another request's values must not hang on it.
 */
export function createLookupBatcher(options: LookupBatcherOptions) {
  const maxBatch = options.maxBatch ?? 100;
  const schedule =
    options.schedule ??
    ((run, ms) => {
      const timer = setTimeout(run, ms);
      return () => clearTimeout(timer);
    });
  const now = options.now ?? (() => performance.now());
  const streamGapMs = options.streamGapMs ?? Math.max(options.windowMs, DEFAULT_STREAM_GAP_MS);
  const maxWaitMs = options.maxWaitMs ?? Math.max(options.windowMs, DEFAULT_MAX_WAIT_MS);
  const claims = new Map<string, Claim>();
  const queues = new Map<string, Queue>();
  /** When any caller last asked for a value: while requests keep coming, a stream has not ended. */
  let lastAsked = 0;

  const recentlyAnswered = (q: Queue) => now() - q.lastAnswer < streamGapMs;

  function queueOf(w: Waiter, by: LookupBy): Queue {
    const key = options.lookup.oneKindPerCall ? `${w.caller}\n${by}` : w.caller;
    let q = queues.get(key);
    if (!q) {
      if (queues.size >= SWEEP_AT) sweepIdle();
      queues.set(
        key,
        (q = {
          key,
          caller: w.caller,
          creds: w.creds,
          pending: [],
          firstArrival: 0,
          lastArrival: 0,
          lastAnswer: -Infinity,
          lastSize: 0,
          streaming: false,
          flights: 0,
        }),
      );
    }
    return q;
  }

  function sweepIdle(): void {
    for (const [key, q] of queues) if (q.flights === 0 && q.pending.length === 0 && !q.cancelTimer && !recentlyAnswered(q)) queues.delete(key);
  }

  function enqueue(w: Waiter, by: LookupBy, value: string): void {
    const refused = options.refusal?.(w.creds, by);
    if (refused) {
      w.reject(refused);
      return;
    }
    lastAsked = now();
    const key = claimKey(by, value);
    const joined = claims.get(key);
    if (joined) {
      if (joined.waiters[0]!.caller !== w.caller) w.retry = inOwnRequest(() => enqueue(w, by, value));
      joined.waiters.push(w);
      return;
    }
    const claim: Claim = { key, by, value, waiters: [w] };
    claims.set(key, claim);
    const q = queueOf(w, by);
    q.lastArrival = lastAsked;
    if (q.pending.length === 0) {
      q.firstArrival = q.lastArrival;
      q.streaming = recentlyAnswered(q) && q.lastSize >= BURST;
    }
    q.pending.push(claim);
    if (q.pending.length >= maxBatch) send(q);
    else if (q.flights > 0) q.resume = inOwnRequest(() => q.flights === 0 && !q.cancelTimer && afterCall(q));
    else if (!q.cancelTimer) wait(q, q.streaming ? streamGapMs : options.windowMs);
  }

  function wait(q: Queue, ms: number): void {
    const due = now() + ms;
    q.cancelTimer = schedule(() => {
      q.cancelTimer = undefined;
      sendWhenQuiet(q, now() - due);
    }, ms);
  }

  /** Values that waited for a call: a burst if there are many, or the last call was one. */
  function afterCall(q: Queue): void {
    q.streaming = q.pending.length >= BURST || q.lastSize >= BURST;
    sendWhenQuiet(q);
  }

  /** Sends what waits once no new value came for the gap, or the oldest has waited long enough; else waits. */
  function sendWhenQuiet(q: Queue, lateMs = 0): void {
    if (q.pending.length === 0) return;
    const t = now();
    const stream = q.streaming;
    // A streaming caller's requests are interleaved with everyone else's: its stream pauses when they all do.
    let gapLeft = stream ? streamGapMs - (t - lastAsked) : options.windowMs - (t - q.lastArrival);
    const waitLeft = maxWaitMs - (t - q.firstArrival);
    // A timer that fires late ran after the event loop was busy, maybe with requests whose names have not reached
    // this queue yet: a stream's quiet is only believed once the loop has had a turn to read them.
    if (stream && lateMs > LATE_TIMER_MS) gapLeft = Math.max(gapLeft, LATE_TIMER_MS);
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
    q.lastSize = batch.length;
    // Values that waited while the quota ran out are refused here too, without a call; per kind, since on the v2
    // API a name may still go (users/show) when ids may not.
    const refusals = { screen_name: options.refusal?.(q.creds, "screen_name"), user_id: options.refusal?.(q.creds, "user_id") };
    const going = refusals.screen_name || refusals.user_id ? batch.filter((c) => !refusals[c.by]) : batch;
    for (const by of LOOKUP_KINDS) {
      const refused = refusals[by];
      const stopped = refused && batch.filter((c) => c.by === by);
      if (stopped && stopped.length > 0) answer(q, stopped, Promise.reject(refused));
    }
    if (going.length === 0) return;
    options.onSend?.(going.length);
    const query = { screen_name: valuesOf(going, "screen_name"), user_id: valuesOf(going, "user_id") };
    answer(q, going, lookupRetryingOnce(options.lookup, q.creds, query));
  }

  function answer(q: Queue, batch: Claim[], call: Promise<XUser[]>): void {
    q.flights++;
    call.then(
      (users) => settle(q, batch, foundBy(users)),
      // users/lookup answers 404 when none of the values exist: that is an answer, not a failure.
      (err) => settle(q, batch, err instanceof BridgeError && err.kind === "recipient_not_found" ? new Map() : undefined, err),
    );
  }

  function settle(q: Queue, batch: Claim[], found: Map<string, XUser> | undefined, failure?: unknown): void {
    q.flights--;
    q.lastAnswer = now();
    // Released before anyone is answered, so that a joiner who must look up again makes a claim of its own.
    for (const c of batch) claims.delete(c.key);
    const foreignRetries = found === undefined && isCallersOwn(failure);
    for (const c of batch) {
      for (const w of c.waiters) {
        if (found) w.resolve(found.get(c.key));
        else if (foreignRetries && w.retry) w.retry();
        else w.reject(failure);
      }
    }
    if (q.flights > 0) return;
    const resume = q.resume;
    q.resume = undefined;
    resume?.();
  }

  return function lookupOne(creds: OAuthCredentials, by: LookupBy, value: string): Promise<XUser | undefined> {
    return new Promise((resolve, reject) => enqueue({ caller: `${creds.consumerKey}\n${creds.token}`, creds, resolve, reject }, by, value));
  };
}

/**
 * A function that, whoever calls it, runs `f` as a continuation of the request that is running now: a promise's
 * reactions run in the request that registered them (so on Workers, not in the one that happens to resolve it).
 */
function inOwnRequest(f: () => unknown): () => void {
  let go!: () => void;
  void new Promise<void>((resolve) => (go = resolve)).then(f);
  return go;
}

const LOOKUP_KINDS: readonly LookupBy[] = ["screen_name", "user_id"];

const claimKey = (by: LookupBy, value: string) => `${by}\n${value}`;
const valuesOf = (claims: readonly Claim[], by: LookupBy) => claims.filter((c) => c.by === by).map((c) => c.value);

/** An answer's users under the claim keys they answer: by id, and by name in lower case. */
function foundBy(users: readonly XUser[]): Map<string, XUser> {
  const found = new Map<string, XUser>();
  for (const u of users) {
    found.set(claimKey("user_id", u.id_str), u);
    found.set(claimKey("screen_name", u.screen_name.toLowerCase()), u);
  }
  return found;
}

/** Values gathered while one call was in flight that make a burst. */
const BURST = 10;

/** Idle queues are kept a moment (a stream's pause) and swept once this many callers have one. */
const SWEEP_AT = 1_000;
const TIMER_GRAIN_MS = 1;
/** A timer this late says the event loop was busy while it should have fired. */
const LATE_TIMER_MS = 10;
/**
 * No request for this long ends a stream of lookups: about one lookup's time (X answers in 100-300 ms), longer
 * than most stalls of a busy event loop, which would otherwise split a burst into needless calls.
 */
const DEFAULT_STREAM_GAP_MS = 100;
/**
 * No value waits longer for company. Only a caller whose new names keep coming, without a pause of the stream gap,
 * waits this long, and such a caller needs full calls: its quota (900 calls in 15 minutes) lasts at one call a
 * second, and 20 new names a second sent as they come would spend it in under a minute.
 */
const DEFAULT_MAX_WAIT_MS = 1_500;

const CALLERS_OWN_STATUS = new Set([401, 403, 429]);

/** A failure that says something about the caller's credentials or quota, not about the upstream or the values. */
export function isCallersOwn(err: unknown): boolean {
  if (!(err instanceof BridgeError)) return false;
  if (err.kind === "rate_limited" || err.kind.startsWith("auth_")) return true;
  return err.detail.upstreamStatus !== undefined && CALLERS_OWN_STATUS.has(err.detail.upstreamStatus);
}

/** A lookup is an idempotent GET: one more try after a connection failure is safe (a timeout is not retried). */
async function lookupRetryingOnce(lookup: LookupUsers, creds: OAuthCredentials, query: LookupQuery) {
  try {
    return await lookup(creds, query);
  } catch (err) {
    if (err instanceof BridgeError && err.kind === "upstream_unreachable") return lookup(creds, query);
    throw err;
  }
}
