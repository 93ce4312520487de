import { describe, expect, it } from "vitest";
import { HOUR_MS } from "../../src/auth/budget-window";
import { createStateObject } from "../../src/auth/state-object";
import { createMemoryStateStorage } from "../helpers/memory-state-storage";

const T0 = Date.UTC(2026, 11, 2, 10, 30);

function setup() {
  let now = T0;
  const mem = createMemoryStateStorage();
  const clock = () => now;
  return {
    mem,
    object: () => createStateObject(mem.storage, clock),
    advance: (ms: number) => void (now += ms),
    /** What the runtime does when the alarm is due: clears it and calls the handler. */
    async fireAlarm(object: ReturnType<typeof createStateObject>) {
      now = Math.max(now, mem.alarm()!);
      mem.clearAlarm();
      await object.sweep();
    },
  };
}

describe("the state object's nonces", () => {
  it("claims a nonce once, and an object rebuilt over the same storage (evicted, restarted) still refuses it", async () => {
    const s = setup();
    expect(await s.object().claim("k1", T0 + 600_000)).toBe(true);
    expect(await s.object().claim("k1", T0 + 600_000)).toBe(false);
    expect(await s.object().claim("k2", T0 + 600_000)).toBe(true);
  });

  it("frees a nonce when its window has passed; an alarm deletes it within five minutes and rearms", async () => {
    const s = setup();
    const o = s.object();
    await o.claim("early", T0 + 60_000);
    expect(await o.claim("early", T0 + 60_000)).toBe(false);
    s.advance(60_000);
    expect(await o.claim("early", T0 + 120_000)).toBe(true);
    await o.claim("late", T0 + 600_000);
    expect(s.mem.alarm()).toBe(T0 + 60_000 + 300_000);
    await s.fireAlarm(o);
    expect([...s.mem.data.keys()]).toEqual(["n:late"]);
    expect(s.mem.alarm()).toBe(T0 + 900_000);
    await s.fireAlarm(o);
    expect(s.mem.data.size).toBe(0);
    expect(s.mem.alarm()).toBeNull();
  });

  it("sweeps more expired nonces than one storage page holds", async () => {
    const s = setup();
    const o = s.object();
    for (let i = 0; i < 300; i++) await o.claim(`k${String(i).padStart(3, "0")}`, T0 + 1_000 + (i === 299 ? 60_000 : 0));
    s.advance(2_000);
    await o.sweep();
    expect([...s.mem.data.keys()]).toEqual(["n:k299"]);
    expect(s.mem.alarm()).toBe(T0 + 361_000);
  });
});

describe("the state object's budget", () => {
  it("counts up to the limit, refuses with the limit, and takes a given-back send again", async () => {
    const s = setup();
    const o = s.object();
    const first = await o.reserve(2);
    expect(first).toEqual({ ok: true, takenAt: T0 });
    expect(await o.reserve(2)).toMatchObject({ ok: true });
    expect(await o.reserve(2)).toEqual({ ok: false, limit: 2, now: T0 });
    if (first.ok) await o.release(first.takenAt);
    expect(await s.object().reserve(2)).toMatchObject({ ok: true });
  });

  it("frees sends 24 hours after their hour, and leaves nothing stored once the window is empty", async () => {
    const s = setup();
    const o = s.object();
    await o.reserve(1);
    s.advance(23 * HOUR_MS);
    expect(await o.reserve(1)).toMatchObject({ ok: false });
    // 10:00 the next day: the hour of the send (10:xx) has left the window; the alarm was set for then.
    expect(s.mem.alarm()).toBe(Date.UTC(2026, 11, 3, 10));
    await s.fireAlarm(o);
    expect(s.mem.data.size).toBe(0);
    expect(s.mem.alarm()).toBeNull();
    expect(await o.reserve(1)).toMatchObject({ ok: true });
  });

  it("gives a late release back to the hour it was taken in", async () => {
    const s = setup();
    const o = s.object();
    const taken = await o.reserve(1);
    s.advance(2 * HOUR_MS);
    if (taken.ok) await o.release(taken.takenAt);
    expect(await o.reserve(1)).toMatchObject({ ok: true });
  });
});
