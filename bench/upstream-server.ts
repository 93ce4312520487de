import { serve } from "@hono/node-server";
import { createServer, type IncomingMessage } from "node:http";
import { createBenchSandbox, createReplayedSandbox } from "./bench-sandbox";

/**
 * The upstream of the benchmark, in its own process: `node dist/bench/upstream-server.mjs <port> [sandbox|fast]`,
 * built by `builtBenchEntry`.
 * - `sandbox`: the X API sandbox, which verifies every request's OAuth signature and records every message.
 * - `fast` (`npm run bench`'s default): the sandbox answers the first request of each method and URL, verified as
 *   above, and its 2xx answer is replayed from memory to every later one. It answers in a few tens of µs, well
 *   under any hop's own cost, so that what `npm run bench` measures is the hop and not the upstream: with the
 *   sandbox behind it (about 150–190 µs a request on the core it shares with wrk), a hop waited for the upstream
 *   and was not kept busy, and its CPU per request included the wake-ups of a half-idle process.
 */
const port = Number(process.argv[2] ?? "0");
const mode = process.argv[3] ?? "sandbox";
if (mode === "fast") {
  const replayed = createReplayedSandbox();
  const server = createServer((req, res) => {
    readAll(req).then(async (body) => {
      const answer = await replayed(req.method!, req.url!, () => {
        const headers: [string, string][] = [];
        for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
        const init = { method: req.method, headers, body: req.method === "GET" || req.method === "HEAD" ? undefined : new Uint8Array(body) };
        return new Request(`http://${req.headers.host}${req.url}`, init);
      });
      res.writeHead(answer.status, answer.headers).end(answer.body);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(port, "127.0.0.1", () => process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`));
} else {
  serve({ fetch: createBenchSandbox().fetch, port, hostname: "127.0.0.1" }, (info) => {
    process.stdout.write(`listening ${info.port}\n`);
  });
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
