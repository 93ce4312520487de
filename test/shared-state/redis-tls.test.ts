import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogLine } from "../../src/app";
import { createRedisSharedState } from "../../src/shared-state/redis-shared-state";
import { canControlRedis, skipRedisTests, startTestRedis, type TestRedis } from "../helpers/redis-server";

const opensslInstalled = spawnSync("openssl", ["version"], { stdio: "ignore" }).status === 0;
const MODULE = new URL("../../src/shared-state/redis-shared-state.ts", import.meta.url).pathname;

/** A self-signed certificate for localhost, made here: Redis serves it, and only a client told to trust it connects. */
function makeCertificate(dir: string) {
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  const made = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost",
    ],
    { encoding: "utf8" },
  );
  if (made.status !== 0) throw new Error(`openssl could not make a certificate: ${made.stderr}`);
  return { certFile, keyFile };
}

/** A separate Node process, because Node reads NODE_EXTRA_CA_CERTS once, at start. */
function statusInProcess(url: string, env: Record<string, string>): Promise<string> {
  const script = `
    import { createRedisSharedState } from ${JSON.stringify(MODULE)};
    const s = createRedisSharedState({ url: ${JSON.stringify(url)}, keyPrefix: "tls:", timeoutMs: 2000, required: false, log: () => {} });
    await s.ready;
    const claimed = s.status() === "shared" ? await s.nonces.remember("k" + Math.random(), 1000) : undefined;
    console.log(s.status(), claimed);
    await s.close();`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      { env: { ...process.env, ...env }, timeout: 15_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim())),
    );
  });
}

describe.skipIf(skipRedisTests || !canControlRedis || (!opensslInstalled && !process.env.CI))("rediss:// (TLS)", () => {
  let dir: string;
  let redis: TestRedis;
  let certFile: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "dm-bridge-redis-tls-"));
    const cert = makeCertificate(dir);
    certFile = cert.certFile;
    redis = await startTestRedis({ own: true, tls: cert });
  });
  afterAll(async () => {
    await redis?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("connects over TLS to a Redis whose certificate the system (here NODE_EXTRA_CA_CERTS) trusts", async () => {
    expect(redis.url).toMatch(/^rediss:\/\/localhost:/);
    expect(await statusInProcess(redis.url, { NODE_EXTRA_CA_CERTS: certFile })).toBe("shared true");
  });

  it("refuses a certificate nobody vouches for: degraded, saying why (no fallback to clear text)", async () => {
    const logs: LogLine[] = [];
    const state = createRedisSharedState({ url: redis.url, keyPrefix: "tls:", timeoutMs: 2_000, required: false, log: (l) => logs.push(l) });
    await state.ready;
    await state.close();
    expect(state.status()).toBe("degraded");
    expect(logs).toEqual([{ level: "warn", event: "shared_state", state: "degraded", reason: "DEPTH_ZERO_SELF_SIGNED_CERT" }]);
  });
});
