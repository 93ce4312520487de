import { createServer } from "node:http";
import { createUndiciFetch } from "../src/upstream/undici-fetch";

/**
 * Case (d) of `npm run bench`: the cheapest hop Node can be with dm-bridge's own I/O: the node:http server in front,
 * the same undici pool behind, the body and the signed headers passed on untouched, no translation. What it costs is
 * the floor under any Node proxy on this machine. `node dist/bench/node-hop.mjs <port> <upstream port> [work µs]`, built
 * by `builtBenchEntry`. With `work µs` (`npm run bench -- --hop-work-us N`) it first spins that long on each request,
 * allocating nothing: how much a hop's own I/O costs more once each request carries work of its own.
 */
const [port, upstreamPort, workUs = 0] = process.argv.slice(2).map(Number);
const upstream = createUndiciFetch();
const origin = `http://127.0.0.1:${upstreamPort}`;
const noDeadline = { onExpire() {} };

createServer((req, res) => {
  for (const end = performance.now() + workUs / 1000; workUs > 0 && performance.now() < end; );
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const headers: Record<string, string> = {};
    for (const name of ["host", "authorization", "content-type"]) {
      const value = req.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    upstream({ method: "POST", url: origin + req.url, headers, body: Buffer.concat(chunks), deadline: noDeadline })
      .then(async (answer) => {
        res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
        res.end(await answer.text());
      })
      .catch(() => res.writeHead(502).end());
  });
}).listen(port, "127.0.0.1");
