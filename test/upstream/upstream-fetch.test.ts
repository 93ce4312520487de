import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchUpstreamJson, fetchWithDeadline, fromFetch, type FetchLike } from "../../src/upstream/upstream-fetch";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let server: ServerType;
let url: string;
beforeAll(async () => {
  server = serve({ fetch: () => new Promise<Response>(() => {}), port: 0, hostname: "127.0.0.1" });
  await new Promise((r) => server.once("listening", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => {
  (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  server.close();
});

describe("the upstream deadline", () => {
  it("fires even when the garbage collector runs while the upstream hangs", async () => {
    // AbortSignal.timeout() alone is held weakly by fetch: after a collection it never fired, and the soak hung.
    const pending = fetchUpstreamJson(fromFetch(fetch), { method: "GET", url, headers: {} }, 300).catch((e: { kind?: string }) => e.kind);
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 20));
      gc();
    }
    const outcome = await Promise.race([pending, new Promise((r) => setTimeout(() => r("still hanging after 3 s"), 3_000))]);
    expect(outcome).toBe("upstream_timeout");
  });

  it("answers 504 once, whatever the client does when told to abort or after the deadline", async () => {
    const outcomes: string[] = [];
    const kindOf = (p: Promise<unknown>) =>
      p.then(
        () => "answered",
        (e: { kind?: string }) => e.kind ?? String(e),
      );
    // A client whose abort throws, one that rejects late, and one that answers late: each is a timeout, settled once.
    const throwingAbort: FetchLike = (r) =>
      new Promise((_, reject) =>
        r.deadline.onExpire(() => {
          setTimeout(() => reject(new Error("late")), 10);
          throw new Error("abort failed");
        }),
      );
    const lateAnswer: FetchLike = () =>
      new Promise((resolve) =>
        setTimeout(
          () => resolve({ status: 200, ok: true, headers: { get: () => null }, text: async () => "{}", arrayBuffer: async () => new ArrayBuffer(0) }),
          80,
        ),
      );
    for (const f of [throwingAbort, lateAnswer]) outcomes.push(await kindOf(fetchWithDeadline(f, { method: "GET", url, headers: {} }, 30, (r) => r.text())));
    // A client that throws before it returns a promise is a connection failure, not a crash.
    const throwsAtOnce: FetchLike = () => {
      throw new Error("socket refused");
    };
    outcomes.push(await kindOf(fetchWithDeadline(throwsAtOnce, { method: "GET", url, headers: {} }, 30, (r) => r.text())));
    expect(outcomes).toEqual(["upstream_timeout", "upstream_timeout", "upstream_unreachable"]);
  });
});
