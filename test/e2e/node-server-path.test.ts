import { request as httpRequest } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../helpers/harness";
import { signLegacyCall } from "../helpers/legacy-client";

/**
 * Through the sidecar's own listener on loopback (src/node/node-listener.ts): legacy sends take its direct route,
 * so these are the paths of reading a body from Node and writing an answer to it.
 */
let h: Harness;
let base: string;
beforeEach(async () => {
  h = await startHarness({ app: { maxBodyBytes: 2_048 }, listen: true });
  base = h.proxyUrl;
});
afterEach(async () => {
  await h.close();
});

/** `headers` as an object, or as a flat list of names and values for a field sent twice. */
function send(
  path: string,
  headers: Record<string, string> | string[],
  chunks: string[],
  method = "POST",
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    // An absolute `path` is sent as the request target itself (absolute form), as proxies' clients do.
    const { hostname, port } = new URL(base);
    const req = httpRequest({ hostname, port, path, method, headers }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c)).on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

async function signed(form: Record<string, string>) {
  const r = signedFor(`${base}/1.1/direct_messages/new.json`, form);
  return { authorization: r.authorization, body: await r.body };
}

function signedFor(url: string, form: Record<string, string>) {
  const r = signLegacyCall({ url, form });
  return { authorization: r.headers.get("authorization")!, body: r.text() };
}

describe("the Node listener path", () => {
  it("reads a body with a declared length, answers with the request id and upstream label it logged", async () => {
    const { authorization, body } = await signed({ screen_name: "dougw", text: "over the wire" });
    const res = await send(
      "/1.1/direct_messages/new.json",
      { authorization, "content-type": "application/x-www-form-urlencoded", "content-length": String(Buffer.byteLength(body)) },
      [body],
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).text).toBe("over the wire");
    // Framed by its length, as the Hono path answers it, not in chunks.
    expect([res.headers["content-length"], res.headers["transfer-encoding"]]).toEqual([String(Buffer.byteLength(res.body)), undefined]);
    expect(res.headers["x-request-id"]).toBe(h.logs.at(-1)!.id);
    expect(h.logs.at(-1)).toMatchObject({ status: 200, error: undefined, dialect: "twitter-1.1" });
  });

  it("reads a chunked body without a length, and refuses one past the limit with 413 and the error kind", async () => {
    const { authorization, body } = await signed({ screen_name: "dougw", text: "in chunks" });
    const half = Math.floor(body.length / 2);
    const ok = await send("/1.1/direct_messages/new.json", { authorization, "content-type": "application/x-www-form-urlencoded" }, [
      body.slice(0, half),
      body.slice(half),
    ]);
    expect([ok.status, JSON.parse(ok.body).text]).toEqual([200, "in chunks"]);
    const big = await signed({ screen_name: "dougw", text: "x".repeat(3_000) });
    const refused = await send("/1.1/direct_messages/new.json", { authorization: big.authorization, "content-type": "application/x-www-form-urlencoded" }, [
      big.body.slice(0, 1_500),
      big.body.slice(1_500),
    ]);
    expect(refused.status).toBe(413);
    expect(refused.headers["x-dm-bridge-error"]).toBe("body_too_large");
    expect(h.logs.at(-1)).toMatchObject({ status: 413, error: "body_too_large" });
    expect(h.sandbox.stats.events.map((e) => e.text)).toEqual(["in chunks"]);
  });

  it("renders a cached user identically on the second message, ids above 2^53 digit for digit", async () => {
    const bodies: string[] = [];
    for (const text of ["first", "second"]) {
      const { authorization, body } = await signed({ user_id: "1855000000000000999", text });
      const res = await send(
        "/1.1/direct_messages/new.json",
        { authorization, "content-type": "application/x-www-form-urlencoded", "content-length": String(body.length) },
        [body],
      );
      expect(res.status).toBe(200);
      bodies.push(res.body);
    }
    const recipientOf = (raw: string) => raw.slice(raw.indexOf('"recipient":'), raw.indexOf(',"recipient_id"'));
    expect(recipientOf(bodies[0]!)).toContain('"recipient":{"id":1855000000000000999,"id_str":"1855000000000000999"');
    expect(recipientOf(bodies[1]!)).toBe(recipientOf(bodies[0]!));
  });

  it("logs a client that hangs up mid-body as its own 400, never as a gateway 500, and sends nothing", async () => {
    const { authorization, body } = await signed({ screen_name: "dougw", text: "never finished" });
    for (const headers of [{ "content-length": String(body.length) }, {}]) {
      const before = h.logs.length;
      const req = httpRequest(`${base}/1.1/direct_messages/new.json`, {
        method: "POST",
        headers: { authorization, "content-type": "application/x-www-form-urlencoded", ...headers },
      });
      req.on("error", () => {});
      req.write(body.slice(0, 10));
      await new Promise((r) => setTimeout(r, 50));
      req.destroy();
      for (let i = 0; i < 100 && h.logs.length === before; i++) await new Promise((r) => setTimeout(r, 10));
      expect(h.logs.at(-1)).toMatchObject({ status: 400, error: "param_invalid" });
    }
    expect(h.sandbox.stats.events).toHaveLength(0);
  });

  it("closes the connection after refusing a body it did not read, so the rest is not read for nothing", async () => {
    const big = await signed({ screen_name: "dougw", text: "x".repeat(3_000) });
    const headers = { authorization: big.authorization, "content-type": "application/x-www-form-urlencoded" };
    const declared = await send("/1.1/direct_messages/new.json", { ...headers, "content-length": String(big.body.length) }, [big.body]);
    expect([declared.status, declared.headers.connection]).toEqual([413, "close"]);
    const { authorization, body } = await signed({ screen_name: "dougw", text: "small" });
    const kept = await send("/1.1/direct_messages/new.json", { authorization, "content-type": "application/x-www-form-urlencoded" }, [body]);
    expect([kept.status, kept.headers.connection]).toEqual([200, "keep-alive"]);
  });

  it("reads a repeated Authorization as a web Request does (joined), not as Node's first only: refused", async () => {
    const { authorization, body } = await signed({ screen_name: "dougw", text: "two signatures" });
    const forged = authorization.replace(/oauth_signature="[^"]*"/, 'oauth_signature="forged"');
    const headers = ["host", new URL(base).host, "authorization", authorization, "authorization", forged, "content-type", "application/x-www-form-urlencoded"];
    headers.push("content-length", String(Buffer.byteLength(body)));
    const res = await send("/1.1/direct_messages/new.json", headers, [body]);
    expect(res.status).toBe(401);
    expect(h.sandbox.stats.events).toHaveLength(0);
  });

  it("answers a request target in absolute form (through Hono) as it answers the same message on the direct route", async () => {
    const paths = ["/1.1/direct_messages/new.json", "/direct_messages/new.xml", "/1.1/direct_messages/new.json"];
    for (const [i, path] of paths.entries()) {
      const answers = [];
      for (const target of [path, `${base}${path}`]) {
        const { authorization, body } = signedFor(`${base}${path}`, { screen_name: "dougw", text: "the same either way" });
        // The third pair is refused (a forged signature), to compare an error's answer too.
        const auth = i === 2 ? authorization.replace(/oauth_signature="[^"]*"/, 'oauth_signature="forged"') : authorization;
        answers.push(await send(target, { authorization: auth, "content-type": "application/x-www-form-urlencoded" }, [await body]));
      }
      const [direct, viaHono] = answers.map(comparable);
      expect(viaHono).toEqual(direct);
      expect(direct!.status).toBe(i === 2 ? 401 : 200);
    }
  });

  it("answers a probe in absolute form (through Hono) as it answers the same probe on the direct route, GET and HEAD", async () => {
    for (const path of ["/healthz", "/readyz"]) {
      const get = await send(path, {}, [], "GET");
      for (const method of ["GET", "HEAD"]) {
        const [direct, viaHono] = [await send(path, {}, [], method), await send(`${base}${path}`, {}, [], method)].map(comparable);
        if (method === "HEAD") {
          // The direct route says the length a GET would get (RFC 9110, 9.3.2); Hono's adapter leaves it out.
          expect([direct!.body, direct!.headers["content-length"]]).toEqual(["", String(Buffer.byteLength(get.body))]);
          delete direct!.headers["content-length"];
        }
        expect(viaHono).toEqual(direct);
        expect(direct!.status).toBe(200);
      }
    }
    const served = h.logs.filter((l) => l.path === "/healthz");
    expect(served.map((l) => [l.method, l.status])).toEqual([
      ["GET", 200],
      ["GET", 200],
      ["GET", 200],
      ["HEAD", 200],
      ["HEAD", 200],
    ]);
  });
});

/** An answer less what differs from one message to the next: its date, request id, message id and quota state. */
function comparable(res: { status: number; headers: Record<string, unknown>; body: string }) {
  const { date: _date, "x-request-id": _id, ...headers } = res.headers;
  // The quota's count and its reset (a time a day ahead, to the second) move between two messages; their names stay.
  for (const name of ["x-rate-limit-remaining", "x-ratelimit-remaining", "x-rate-limit-reset", "x-ratelimit-reset"]) {
    if (name in headers) headers[name] = "<quota>";
  }
  const body = res.body.replace(/1855\d{15}/g, "<id>").replace(/"created_at":"[^"]*"|<created_at>[^<]*</g, "<created_at>");
  return { status: res.status, headers, body };
}
