import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { BridgeError } from "../../src/core/errors";
import { fetchUpstreamJson, fromFetch } from "../../src/upstream/upstream-fetch";

let server: Server;
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe("fromFetch", () => {
  it("sends the upstream request with the runtime's fetch, and its deadline still aborts a hang", async () => {
    const seen: string[] = [];
    server = createServer((req, res) => {
      let body = "";
      req
        .on("data", (c) => (body += c))
        .on("end", () => {
          seen.push(`${req.method} ${req.url} ${req.headers.authorization} ${body}`);
          if (req.url !== "/hang") res.writeHead(200, { "content-type": "application/json" }).end('{"id_str":"1"}');
        });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const upstream = fromFetch(fetch);
    const answer = await fetchUpstreamJson(upstream, { method: "POST", url: `${base}/ok?a=1`, headers: { authorization: "OAuth x" }, body: "{}" }, 1_000);
    expect(answer).toEqual({ status: 200, json: { id_str: "1" }, headers: {} });
    expect(seen).toEqual(["POST /ok?a=1 OAuth x {}"]);
    const hung = await fetchUpstreamJson(upstream, { method: "GET", url: `${base}/hang`, headers: {} }, 100).catch((e: BridgeError) => e.kind);
    expect(hung).toBe("upstream_timeout");
  });
});
