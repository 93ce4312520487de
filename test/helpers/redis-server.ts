import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { connect, createServer, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";

/**
 * A real Redis for the shared-state tests: `redis-server` started here on a free loopback port, without persistence,
 * or the one `TEST_REDIS_URL` names. Without either, the suites skip (test/helpers/redis-check.ts says so once);
 * under CI a missing Redis fails the run, because .ci/run installs it.
 */
export const REDIS_HOW_TO = "apt-get install redis-server, or set TEST_REDIS_URL=redis://host:port";

export const externalRedisUrl = process.env.TEST_REDIS_URL || undefined;
export const redisServerInstalled = spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
/** True when the Redis suites cannot run here and this is not CI: they skip rather than fail. */
export const skipRedisTests = !externalRedisUrl && !redisServerInstalled && !process.env.CI;
/** Tests that stop, pause or restart Redis need one started here. */
export const canControlRedis = redisServerInstalled;

export interface TestRedis {
  url: string;
  /** SIGKILL: the connection drops at once, as when the host dies. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: it keeps nothing). */
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: connected but silent, as a Redis stuck on a slow command is. */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export interface TestRedisOptions {
  /** An ACL user with this password (no spaces), and the default user off: the URL then carries both. */
  user?: string;
  password?: string;
  /** A server started here even when TEST_REDIS_URL is set, for tests that kill or pause it. */
  own?: boolean;
  /** A port chosen beforehand (one a client already tries), instead of a free one. */
  port?: number;
  /** TLS only, with this certificate (PEM files): the URL is then rediss://localhost. */
  tls?: { certFile: string; keyFile: string };
}

export async function startTestRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
  if (externalRedisUrl && !options.own) return externalRedis(externalRedisUrl);
  if (!redisServerInstalled) throw new Error(`redis-server is not installed (${REDIS_HOW_TO}); .ci/run installs it`);
  const port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;
  const tls = options.tls;
  const listen = tls
    ? [
        "--port",
        "0",
        "--tls-port",
        String(port),
        "--tls-cert-file",
        tls.certFile,
        "--tls-key-file",
        tls.keyFile,
        "--tls-ca-cert-file",
        tls.certFile,
        "--tls-auth-clients",
        "no",
      ]
    : ["--port", String(port)];
  const args = [...listen, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"];
  if (options.user) args.push("--user", options.user, "on", `>${options.password ?? ""}`, "~*", "&*", "+@all", "--user", "default", "off");
  const auth = options.user ? `${options.user}:${encodeURIComponent(options.password ?? "")}@` : "";

  async function start(): Promise<void> {
    const started = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    child = started;
    let exited = false;
    // It logs to stdout; kept to say why when it does not start.
    let output = "";
    for (const stream of [started.stdout!, started.stderr!]) stream.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2_000)));
    started.once("exit", () => (exited = true));
    const deadline = Date.now() + 10_000;
    while (!(await answersOn(port, tls !== undefined))) {
      if (exited) throw new Error(`redis-server did not start on port ${port}: ${output}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port} within 10 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function kill(): Promise<void> {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((resolve) => c.once("exit", resolve));
    c.kill("SIGKILL");
    await exited;
  }

  const killOnExit = () => child?.kill("SIGKILL");
  process.once("exit", killOnExit);
  await start();
  return {
    url: tls ? `rediss://${auth}localhost:${port}` : `redis://${auth}127.0.0.1:${port}`,
    kill,
    start,
    pause: () => child?.kill("SIGSTOP"),
    resume: () => child?.kill("SIGCONT"),
    close: async () => {
      child?.kill("SIGCONT");
      await kill();
      process.off("exit", killOnExit);
    },
  };
}

function externalRedis(url: string): TestRedis {
  const cannot = () => {
    throw new Error("a Redis from TEST_REDIS_URL cannot be stopped or restarted by the tests");
  };
  return { url, kill: async () => cannot(), start: async () => cannot(), pause: cannot, resume: cannot, close: async () => {} };
}

/** A port nobody listens on now; redis-server binds it a moment later (a clash shows as a failed start). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True once something on the port answers a PING with any reply (+PONG, or -NOAUTH when the default user is off). */
function answersOn(port: number, tls: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const socket: Socket = tls ? connectTls({ port, host: "127.0.0.1", rejectUnauthorized: false }) : connect(port, "127.0.0.1");
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once(tls ? "secureConnect" : "connect", () => socket.write("PING\r\n"));
    socket.once("data", () => done(true));
  });
}
