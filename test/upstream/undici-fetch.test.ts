import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { BridgeError } from "../../src/core/errors";
import { createUndiciFetch, splitUrl } from "../../src/upstream/undici-fetch";
import { fetchUpstreamJson } from "../../src/upstream/upstream-fetch";

let server: Server;
let client: ReturnType<typeof createUndiciFetch>;
afterEach(async () => {
  await client?.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function listen(handler: Parameters<typeof createServer>[1]) {
  server = createServer(handler);
  let connections = 0;
  server.on("connection", () => connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

describe("createUndiciFetch", () => {
  it("sends method, headers and body, and keeps its connections open across sequential calls", async () => {
    const seen: string[] = [];
    const up = await listen((req, res) => {
      let body = "";
      req
        .on("data", (c) => (body += c))
        .on("end", () => {
          seen.push(`${req.method} ${req.url} ${req.headers.authorization} ${req.headers["content-length"]} ${body}`);
          res.writeHead(200, { "content-type": "application/json", "x-rate-limit-remaining": "7" }).end('{"ok":"ü"}');
        });
    });
    client = createUndiciFetch();
    for (let i = 0; i < 20; i++) {
      const answer = await fetchUpstreamJson(
        client,
        { method: "POST", url: `${up.url}/x?i=${i}`, headers: { authorization: "OAuth a" }, body: '{"t":"é"}' },
        1_000,
      );
      expect(answer).toEqual({ status: 200, json: { ok: "ü" }, headers: { "x-rate-limit-remaining": "7" } });
    }
    expect(seen[19]).toBe('POST /x?i=19 OAuth a 10 {"t":"é"}');
    // Twenty calls, at most two connections (the pool may open a second while the first is being released).
    expect(up.connections()).toBeLessThanOrEqual(2);
  });

  it("answers 504 for an upstream that never answers, 502 for a refused connection, 502 for an oversized answer", async () => {
    const up = await listen((req, res) => {
      if (req.url === "/big") res.end("x".repeat(5_000));
    });
    client = createUndiciFetch({ maxResponseBytes: 4_096 });
    const kindOf = (url: string, timeoutMs = 1_000) =>
      fetchUpstreamJson(client, { method: "GET", url, headers: {} }, timeoutMs).then(
        () => "ok",
        (e: BridgeError) => e.kind,
      );
    expect(await kindOf(`${up.url}/hang`, 100)).toBe("upstream_timeout");
    expect(await kindOf("http://127.0.0.1:1/")).toBe("upstream_unreachable");
    expect(await kindOf(`${up.url}/big`)).toBe("upstream_unreachable");
  });

  it("reads an answer sent in chunks after an interim 1xx answer as one body, and a reset mid-answer as 502", async () => {
    const up = await listen((req, res) => {
      if (req.url === "/reset") {
        res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
        res.write('{"partial":');
        setTimeout(() => req.socket.destroy(), 20);
        return;
      }
      res.writeProcessing();
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"id_str":"12345678901234567');
      setTimeout(() => res.end('89","text":"ü"}'), 20);
    });
    client = createUndiciFetch();
    const answer = await fetchUpstreamJson(client, { method: "POST", url: `${up.url}/chunks`, headers: {}, body: "{}" }, 1_000);
    expect(answer).toEqual({ status: 200, json: { id_str: "1234567890123456789", text: "ü" }, headers: {} });
    const reset = await fetchUpstreamJson(client, { method: "POST", url: `${up.url}/reset`, headers: {}, body: "{}" }, 1_000).catch((e: BridgeError) => e.kind);
    expect(reset).toBe("upstream_unreachable");
  });

  it("uses the final answer after an unasked 100 Continue or 103 Early Hints, on a POST and a GET, and keeps the connection", async () => {
    let posts = 0;
    const up = await listen((req, res) => {
      if (req.method === "POST") posts++;
      const socket = req.socket;
      if (req.url === "/split") {
        // The interim answer in three writes, none of them whole.
        socket.write("HTTP/1.1 10");
        setTimeout(() => socket.write("0 Continue\r\n"), 10);
        setTimeout(() => socket.write("\r\n"), 20);
        setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end('{"split":true}'), 30);
        return;
      }
      if (req.url === "/hints") res.writeEarlyHints({ link: "</a.css>; rel=preload" });
      else res.writeContinue();
      setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end(`{"url":"${req.url}"}`), 10);
    });
    client = createUndiciFetch();
    const post = (path: string) => fetchUpstreamJson(client, { method: "POST", url: `${up.url}${path}`, headers: {}, body: "{}" }, 1_000);
    expect(await post("/continue")).toEqual({ status: 200, json: { url: "/continue" }, headers: {} });
    expect(await post("/hints")).toEqual({ status: 200, json: { url: "/hints" }, headers: {} });
    expect(await fetchUpstreamJson(client, { method: "GET", url: `${up.url}/get`, headers: {} }, 1_000)).toEqual({
      status: 200,
      json: { url: "/get" },
      headers: {},
    });
    expect(await post("/split")).toEqual({ status: 200, json: { split: true }, headers: {} });
    for (let i = 0; i < 5; i++) expect((await post(`/again${i}`)).status).toBe(200);
    expect(posts).toBe(8);
    expect(up.connections()).toBeLessThanOrEqual(2);
  });

  it("never sends a call that passed its deadline while it waited for a free connection", async () => {
    const seen: string[] = [];
    let releaseFirst: () => void = () => {};
    const up = await listen((req, res) => {
      seen.push(req.url!);
      if (req.url === "/first") releaseFirst = () => res.end("{}");
      else res.end("{}");
    });
    client = createUndiciFetch({ connections: 1 });
    const first = fetchUpstreamJson(client, { method: "POST", url: `${up.url}/first`, headers: {}, body: "{}" }, 2_000);
    await new Promise((r) => setTimeout(r, 50));
    const queued = await fetchUpstreamJson(client, { method: "POST", url: `${up.url}/queued`, headers: {}, body: "{}" }, 100).catch((e: BridgeError) => e.kind);
    expect(queued).toBe("upstream_timeout");
    releaseFirst();
    expect(await first).toEqual({ status: 200, json: {}, headers: {} });
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual(["/first"]);
  });

  it("splits a canonical URL into origin and path", () => {
    expect(splitUrl("http://127.0.0.1:8080/1.1/users/lookup.json?screen_name=a")).toEqual({
      origin: "http://127.0.0.1:8080",
      path: "/1.1/users/lookup.json?screen_name=a",
    });
    expect(splitUrl("https://api.x.com/")).toEqual({ origin: "https://api.x.com", path: "/" });
  });

  it("passes an X error document and its rate-limit headers on as a typed error", async () => {
    const up = await listen((_req, res) => {
      res.writeHead(429, { "x-rate-limit-reset": "123" }).end('{"errors":[{"code":88,"message":"Rate limit exceeded."}]}');
    });
    client = createUndiciFetch();
    const err = await fetchUpstreamJson(client, { method: "GET", url: up.url, headers: {} }, 1_000).catch((e: BridgeError) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect((err as BridgeError).kind).toBe("rate_limited");
    expect((err as BridgeError).detail.headers).toEqual({ "x-rate-limit-reset": "123" });
  });
});
