import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Answer } from "../../src/dialects/response";
import { createNodeListener, headerOf } from "../../src/node/node-listener";

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A listener in front of an app whose one direct route answers `answer`, on loopback; the status and headers it wrote. */
async function answerThrough(answer: Answer): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const app = {
    fetch: () => new Response("via Hono"),
    directRoute: (method: string, path: string) => (method === "POST" && path === "/send" ? async () => answer : undefined),
  };
  server = createServer(createNodeListener(app));
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method: "POST", path: "/send", headers: { "content-length": "1" } }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c)).on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end("x");
  });
}

describe("the sidecar's listener", () => {
  it("writes a direct answer with its length, in one piece", async () => {
    const res = await answerThrough({ status: 201, headers: { "content-type": "application/json" }, body: '{"é":1}' });
    expect([res.status, res.headers["content-length"], res.headers["transfer-encoding"], res.body]).toEqual([201, "8", undefined, '{"é":1}']);
  });

  it("answers a bare 500 and closes, instead of hanging or crashing, when Node refuses to write the answer", async () => {
    const res = await answerThrough({ status: 200, headers: { "x-bad": "\u0100" }, body: "never written" });
    expect([res.status, res.headers.connection, res.body]).toEqual([500, "close", ""]);
  });

  it("reads a header as a web Request does: every field of that name, joined", () => {
    expect(headerOf(["Authorization", "a", "X-Other", "b", "authorization", "c"], "authorization")).toBe("a, c");
    expect(headerOf(["X-Other", "b"], "authorization")).toBeNull();
  });
});
