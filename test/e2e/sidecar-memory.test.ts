import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEMO_CREDENTIALS } from "../../src/sandbox/sandbox-users";
import { startSandboxUpstream } from "../helpers/harness";
import { signLegacyCall } from "../helpers/legacy-client";
import { startSidecar, stopSidecars, type StartedSidecar } from "../helpers/sidecar";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  stopSidecars();
  for (const close of closers.splice(0)) await close();
});

/**
 * Node's fetch classes (Request, Response, Headers: its bundled undici and what it loads) take 4 MB more resident in
 * the sidecar once loaded (12 MB in a bare node; docs/benchmarks.md). A sidecar that only sends, is probed and is scraped has no use for them.
 * The sidecar runs with a preloaded module that writes, on SIGUSR2, whether Node has loaded them.
 */
async function sidecarReporting(): Promise<{ sidecar: StartedSidecar; fetchClassesLoaded(): Promise<boolean> }> {
  const dir = mkdtempSync(join(tmpdir(), "dm-bridge-modules-"));
  const report = join(dir, "report.txt");
  const preload = join(dir, "report.mjs");
  writeFileSync(
    preload,
    `import { writeFileSync } from "node:fs";
process.on("SIGUSR2", () => writeFileSync(${JSON.stringify(report)}, String(process.moduleLoadList.includes("NativeModule internal/deps/undici/undici"))));`,
  );
  const upstream = await startSandboxUpstream();
  closers.push(upstream.close);
  const sidecar = await startSidecar({
    UPSTREAM_URL: upstream.url,
    DM_PROXY_CREDENTIALS: JSON.stringify(DEMO_CREDENTIALS),
    NODE_OPTIONS: `--import ${preload}`,
  });
  const fetchClassesLoaded = async () => {
    writeFileSync(report, "");
    process.kill(sidecar.child.pid!, "SIGUSR2");
    for (let i = 0; i < 100 && readFileSync(report, "utf8") === ""; i++) await new Promise((r) => setTimeout(r, 20));
    return readFileSync(report, "utf8") === "true";
  };
  return { sidecar, fetchClassesLoaded };
}

describe("the sidecar's memory", () => {
  it("serves sends, probes and scrapes without loading Node's fetch classes; the first other request loads them", async () => {
    const { sidecar, fetchClassesLoaded } = await sidecarReporting();
    const sent = await fetch(signLegacyCall({ url: `${sidecar.url}/1.1/direct_messages/new.json`, form: { screen_name: "dougw", text: "memory" } }));
    expect(sent.status).toBe(200);
    for (const path of ["/healthz", "/readyz", "/metrics"]) expect((await fetch(`${sidecar.url}${path}`)).status).toBe(200);
    expect(await fetchClassesLoaded()).toBe(false);

    // Through Hono: an unknown path still gets its error document, once the adapter is loaded.
    const unknown = await fetch(`${sidecar.url}/1.1/nothing.json`);
    expect([unknown.status, (await unknown.json()).errors[0].code]).toEqual([404, 34]);
    expect(await fetchClassesLoaded()).toBe(true);
  });
});
