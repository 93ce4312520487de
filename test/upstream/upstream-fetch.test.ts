import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchUpstreamJson, fromFetch } from "../../src/upstream/upstream-fetch";

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
});
