import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEMO_CREDENTIALS } from "../../src/sandbox/sandbox-users";
import { startSandboxUpstream } from "../helpers/harness";
import { freePort } from "../helpers/redis-server";
import { signLegacyCall } from "../helpers/legacy-client";
import { startSidecar, stopSidecars, type StartedSidecar } from "../helpers/sidecar";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  stopSidecars();
  for (const close of closers.splice(0)) await close();
});

/**
 * A free loopback port below 60000: a Host with a port above it is not one @hono/node-server keeps as it is, so the
 * sidecar serves it through Hono (src/node/node-listener.ts), and Linux hands out ports up to 60999.
 */
async function portBelow60000(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port < 60_000) return port;
  }
}

/**
 * Node's fetch classes (Request, Response, Headers: its bundled undici and what it loads) take 4 MB more resident in
 * the sidecar once loaded (12 MB in a bare node; docs/benchmarks.md). A sidecar that only sends, is probed and is
 * scraped has no use for them. The sidecar runs with a preloaded module that writes, on SIGUSR2, whether Node has
 * loaded them.
 */
async function sidecarReporting(): Promise<{ sidecar: StartedSidecar; fetchClassesLoaded(): Promise<boolean> }> {
  const dir = mkdtempSync(join(tmpdir(), "dm-bridge-modules-"));
  closers.push(async () => rmSync(dir, { recursive: true, force: true }));
  const report = join(dir, "report.txt");
  const preload = join(dir, "report.mjs");
  // Written whole and renamed into place, so that the test never reads half of it.
  writeFileSync(
    preload,
    `import { renameSync, writeFileSync } from "node:fs";
process.on("SIGUSR2", () => {
  writeFileSync(${JSON.stringify(`${report}.partial`)}, String(process.moduleLoadList.includes("NativeModule internal/deps/undici/undici")));
  renameSync(${JSON.stringify(`${report}.partial`)}, ${JSON.stringify(report)});
});`,
  );
  const upstream = await startSandboxUpstream();
  closers.push(upstream.close);
  const sidecar = await startSidecar({
    PORT: String(await portBelow60000()),
    UPSTREAM_URL: upstream.url,
    DM_PROXY_CREDENTIALS: JSON.stringify(DEMO_CREDENTIALS),
    NODE_OPTIONS: `--import "${preload}"`,
  });
  const fetchClassesLoaded = async () => {
    rmSync(report, { force: true });
    process.kill(sidecar.child.pid!, "SIGUSR2");
    for (let i = 0; i < 250 && !existsSync(report); i++) await new Promise((r) => setTimeout(r, 20));
    if (!existsSync(report)) throw new Error("the sidecar wrote no report: was its preload run?");
    return readFileSync(report, "utf8") === "true";
  };
  return { sidecar, fetchClassesLoaded };
}

describe("the sidecar's memory", () => {
  it("serves sends, probes and scrapes without loading Node's fetch classes; the first other request loads them", async () => {
    const { sidecar, fetchClassesLoaded } = await sidecarReporting();
    const sent = await fetch(signLegacyCall({ url: `${sidecar.url}/1.1/direct_messages/new.json`, form: { screen_name: "dougw", text: "memory" } }));
    expect(sent.status).toBe(200);
    for (const path of ["/healthz", "/readyz", "/metrics"]) {
      for (const method of ["GET", "HEAD"]) expect((await fetch(`${sidecar.url}${path}`, { method })).status).toBe(200);
    }
    expect(await fetchClassesLoaded()).toBe(false);

    // Through Hono: an unknown path still gets its error document, once the adapter is loaded.
    const unknown = await fetch(`${sidecar.url}/1.1/nothing.json`);
    expect([unknown.status, (await unknown.json()).errors[0].code]).toEqual([404, 34]);
    expect(await fetchClassesLoaded()).toBe(true);
  });
});
