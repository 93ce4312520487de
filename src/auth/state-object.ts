import { countSends, emptyCounts, HOUR_MS, uncountSend, WINDOW_HOURS, type HourlyCounts } from "./budget-window";

/** The part of a Durable Object's storage (its key-value API) the state object uses. */
export interface StateStorage {
  get<T>(key: string): Promise<T | undefined>;
  put<T>(key: string, value: T): Promise<void>;
  delete(keys: string[]): Promise<number>;
  list<T>(options: { prefix: string; startAfter?: string; limit: number }): Promise<Map<string, T>>;
  getAlarm(): Promise<number | null>;
  setAlarm(scheduledTime: number): Promise<void>;
}

/** A budget's answer: the time the send was counted at (to give it back), or the limit that refused it. */
export type Reservation = { ok: true; takenAt: number } | { ok: false; limit: number; now: number };

const NONCE = "n:";
const BUDGET = "budget";
// Expired claims are deleted in batches, at most one alarm this often: an alarm is a billed request.
const SWEEP_DELAY_MS = 300_000;
// Keys per list call and per delete call (the storage API deletes at most 128 keys at once).
const PAGE = 128;

/**
 * What one Durable Object holds for one name: the nonces a token used in the timestamp window, and one daily budget
 * (the token's, or the app's in the consumer key's object). The runtime runs one call at a time per object and holds
 * other calls while storage is read or written, so each method is atomic: two copies of a request racing from two
 * locations meet here and exactly one claim succeeds. Everything is in durable storage (whose cache is the memory),
 * so an evicted or restarted object still refuses a replay; an alarm deletes what has expired (claims within five
 * minutes of their expiry, a budget once its window is empty), so an idle token leaves nothing stored.
 */
export function createStateObject(storage: StateStorage, clock: () => number = Date.now) {
  /** Makes sure an alarm comes by `at`. */
  async function wakeBy(at: number): Promise<void> {
    const current = await storage.getAlarm();
    if (current === null || current > at) await storage.setAlarm(at);
  }

  /** When the window no longer holds the newest hour counted: the budget is empty and can be deleted. */
  const emptyAt = (counts: HourlyCounts) => (counts.hour + WINDOW_HOURS) * HOUR_MS;

  async function budget(now: number): Promise<HourlyCounts> {
    return (await storage.get<HourlyCounts>(BUDGET)) ?? emptyCounts(now);
  }

  return {
    /** True when `nonceKey` is new (now held until `expiresAt`), false when it is held: a replay. */
    async claim(nonceKey: string, expiresAt: number): Promise<boolean> {
      const held = await storage.get<number>(NONCE + nonceKey);
      // An expired key still stored (the alarm has not come yet) is free: the timestamp window refuses it anyway.
      if (held !== undefined && held > clock()) return false;
      await storage.put(NONCE + nonceKey, expiresAt);
      await wakeBy(expiresAt + SWEEP_DELAY_MS);
      return true;
    },

    /** Counts one send unless `limit` sends were counted in the last 24 hours. */
    async reserve(limit: number): Promise<Reservation> {
      const now = clock();
      const counts = await budget(now);
      if (countSends(counts, now, 0) >= limit) return { ok: false, limit, now };
      countSends(counts, now, 1);
      await storage.put(BUDGET, counts);
      await wakeBy(emptyAt(counts));
      return { ok: true, takenAt: now };
    },

    /** Gives back a send counted at `takenAt`: the upstream refused it. */
    async release(takenAt: number): Promise<void> {
      const counts = await storage.get<HourlyCounts>(BUDGET);
      if (!counts) return;
      uncountSend(counts, takenAt);
      await storage.put(BUDGET, counts);
    },

    /** The alarm: deletes expired nonces and a budget with nothing left in its window, then sets the next alarm. */
    async sweep(): Promise<void> {
      const now = clock();
      let next = Infinity;
      let startAfter: string | undefined;
      for (;;) {
        const page = await storage.list<number>({ prefix: NONCE, startAfter, limit: PAGE });
        const expired: string[] = [];
        for (const [key, expiresAt] of page) {
          if (expiresAt <= now) expired.push(key);
          else next = Math.min(next, expiresAt + SWEEP_DELAY_MS);
          startAfter = key;
        }
        if (expired.length > 0) await storage.delete(expired);
        if (page.size < PAGE) break;
      }
      const counts = await storage.get<HourlyCounts>(BUDGET);
      if (counts && now >= emptyAt(counts)) await storage.delete([BUDGET]);
      else if (counts) next = Math.min(next, emptyAt(counts));
      if (next !== Infinity) await storage.setAlarm(next);
    },
  };
}

export type StateObject = ReturnType<typeof createStateObject>;
