import { describe, expect, it } from "vitest";
import { createLineLog } from "../../src/http/line-log";

describe("createLineLog", () => {
  it("writes the lines of one turn together, once, each a JSON object stamped with the time, in order", () => {
    const writes: string[] = [];
    const scheduled: (() => void)[] = [];
    const { log } = createLineLog(
      (t) => writes.push(t),
      (f) => scheduled.push(f),
      () => Date.UTC(2026, 10, 25, 12, 0, 0),
    );
    log({ id: "a", status: 200 });
    log({ id: "b", status: 401, error: "auth_invalid" });
    expect(writes).toEqual([]);
    expect(scheduled).toHaveLength(1);
    scheduled.shift()!();
    expect(writes).toHaveLength(1);
    expect(
      writes[0]!
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { t: "2026-11-25T12:00:00.000Z", id: "a", status: 200 },
      { t: "2026-11-25T12:00:00.000Z", id: "b", status: 401, error: "auth_invalid" },
    ]);
    log({ id: "c" });
    expect(scheduled).toHaveLength(1);
  });

  it("flush writes what is pending at once and nothing when nothing is", () => {
    const writes: string[] = [];
    const { log, flush } = createLineLog(
      (t) => writes.push(t),
      () => {},
      () => 0,
    );
    flush();
    log({ event: "ready" });
    log({ gone: undefined });
    flush();
    flush();
    expect(writes).toEqual(['{"t":"1970-01-01T00:00:00.000Z","event":"ready"}\n{"t":"1970-01-01T00:00:00.000Z"}\n']);
  });
});
