import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Lifecycle } from "../app";

export interface DrainOptions {
  /** The drain's deadline: past it the process exits whatever is still in flight. */
  timeoutMs: number;
  /** The longest one upstream call may take: a send that could not finish before the deadline is not started. */
  upstreamTimeoutMs: number;
  clock: () => number;
  log: (line: Record<string, string | number>) => void;
  exit: (code: number) => void;
}

/**
 * A signal repeated within this time is the same stop delivered twice, not an operator insisting: a stop sent to the
 * process group reaches this process directly and again through `npm start`, which forwards it a millisecond
 * later. A second signal later than this exits at once.
 */
export const REPEATED_SIGNAL_MS = 1_000;

/**
 * Stops a Node HTTP server without losing an answer: from the first stop signal no connection is accepted, idle
 * keep-alive connections are closed, every request in flight runs to its end and is answered with
 * `Connection: close`, and the process exits 0 once the last connection is gone (1 at the deadline, or at once on a
 * second signal). The app sees the drain through `lifecycle`: /readyz says 503, and a request that still arrives on
 * an open connection is refused with 503 and Retry-After in its dialect's form.
 */
export function createGracefulDrain(options: DrainOptions) {
  const servers: Server[] = [];
  const inFlight = new Set<ServerResponse>();
  let startedAt: number | undefined;
  let open = 0;

  const lifecycle: Lifecycle = {
    draining: () => startedAt !== undefined,
    // The deadline must cover a whole upstream call started now; otherwise refusing is the safe answer (not sent).
    maySend: () => startedAt === undefined || options.clock() + options.upstreamTimeoutMs <= startedAt + options.timeoutMs,
  };

  function closeAfterAnswer(res: ServerResponse): void {
    if (!res.headersSent) res.setHeader("connection", "close");
  }

  function track(server: Server): void {
    servers.push(server);
    open++;
    server.prependListener("request", (_req: IncomingMessage, res: ServerResponse) => {
      inFlight.add(res);
      if (startedAt !== undefined) closeAfterAnswer(res);
      res.once("close", () => inFlight.delete(res));
    });
  }

  function drain(signal: string): void {
    const now = options.clock();
    if (startedAt !== undefined) {
      if (now - startedAt < REPEATED_SIGNAL_MS) return;
      options.log({ level: "warn", event: "drain_aborted", signal, in_flight: inFlight.size });
      options.exit(1);
      return;
    }
    startedAt = now;
    options.log({ event: "draining", signal, in_flight: inFlight.size, timeout_ms: options.timeoutMs });
    for (const res of inFlight) closeAfterAnswer(res);
    const deadline = setTimeout(() => {
      options.log({ level: "warn", event: "drain_timeout", in_flight: inFlight.size });
      options.exit(1);
    }, options.timeoutMs);
    deadline.unref();
    // close() stops accepting and closes idle keep-alive connections; its callback runs when the last one is gone.
    for (const server of servers) {
      server.close(() => {
        if (--open > 0) return;
        clearTimeout(deadline);
        options.log({ event: "drained", ms: options.clock() - startedAt! });
        options.exit(0);
      });
    }
  }

  return { lifecycle, track, drain };
}
