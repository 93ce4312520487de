import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildWorkerBundle } from "../../scripts/worker-bundle";

const dir = mkdtempSync(join(tmpdir(), "dm-bridge-bundle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the Worker whose entry also uses `use` (a Node built-in, or a Node-only module), as a slip in src/ would. */
function workerWithNodeImport(name = "node-import", use = `import { createHash as use } from "node:crypto";`): string {
  const adapter = resolve("adapters/cloudflare.ts");
  const entry = `${name}.ts`;
  writeFileSync(
    join(dir, entry),
    `import worker from ${JSON.stringify(adapter)};\n${use}\nexport default { fetch: (r: Request, env: object) => (void use, worker.fetch(r, env)) };\n`,
  );
  const toml = readFileSync("wrangler.toml", "utf8").replace(/^main = .*$/m, `main = "${entry}"`);
  writeFileSync(join(dir, `${name}.toml`), toml);
  return join(dir, `${name}.toml`);
}

/** wrangler.toml with its commented DM_BRIDGE_STATE binding and migration switched on, as an operator would. */
function workerWithStateObjects(): string {
  const toml = readFileSync("wrangler.toml", "utf8")
    .replace(/^main = .*$/m, `main = ${JSON.stringify(resolve("adapters/cloudflare.ts"))}`)
    .replace(/^# (\[\[durable_objects\.bindings\]\]|name = "DM_BRIDGE_STATE"|class_name = |\[\[migrations\]\]|tag = |new_sqlite_classes = )/gm, "$1");
  writeFileSync(join(dir, "with-state.toml"), toml);
  return join(dir, "with-state.toml");
}

describe("the Worker bundle guard run by npm test", () => {
  it("builds the Worker of wrangler.toml with no Node built-in", () => {
    const bundle = buildWorkerBundle(join(dir, "ok"));
    expect(readFileSync(bundle.path, "utf8")).toContain("x-dm-bridge-upstream");
    expect(bundle.compatibilityFlags).not.toContain("nodejs_compat");
  });

  it("keeps the sandbox out of the main module: a module beside it, imported only by an unconfigured Worker", () => {
    const bundle = buildWorkerBundle(join(dir, "split"));
    const main = readFileSync(bundle.path, "utf8");
    expect(bundle.additionalModules.map((p) => p.slice(join(dir, "split").length + 1))).toEqual(["chunks/sandbox.mjs"]);
    const sandbox = readFileSync(bundle.additionalModules[0]!, "utf8");
    // A seed user's name: sandbox data, found in the sandbox module and nowhere in what a configured Worker loads.
    expect(sandbox).toContain("Mick Jagger");
    expect(main).not.toContain("Mick Jagger");
    expect(main).toContain('import("./chunks/sandbox.mjs")');
    // The demo credentials stay in the app: an unconfigured Worker accepts them before it loads the sandbox.
    expect(main).toContain("demo-consumer-secret");
  });

  it("fails when a Node built-in reaches the bundle, naming it", () => {
    expect(() => buildWorkerBundle(join(dir, "bad"), workerWithNodeImport())).toThrow(/imports Node built-ins \(node:crypto\)/);
  });

  it("deploys with wrangler.toml's DM_BRIDGE_STATE lines uncommented, the class exported from the bundle", () => {
    const config = workerWithStateObjects();
    expect(readFileSync(config, "utf8")).toMatch(/^\[\[durable_objects\.bindings\]\]\nname = "DM_BRIDGE_STATE"\nclass_name = "DmBridgeState"$/m);
    expect(readFileSync(config, "utf8")).toMatch(/^\[\[migrations\]\]\ntag = "v1"\nnew_sqlite_classes = \["DmBridgeState"\]$/m);
    const bundle = buildWorkerBundle(join(dir, "with-state"), config);
    expect(readFileSync(bundle.path, "utf8")).toMatch(/export\s*\{[^}]*\bas DmBridgeState\b/);
  });

  it("fails when the Node-only shared state (Redis) reaches the bundle", () => {
    const sharedState = resolve("src/shared-state/redis-shared-state.ts");
    const config = workerWithNodeImport("redis-import", `import { createRedisSharedState as use } from ${JSON.stringify(sharedState)};`);
    // The client needs Node's net, tls and util, which the Worker's build cannot even resolve.
    expect(() => buildWorkerBundle(join(dir, "redis"), config)).toThrow(/Could not resolve "(util|net|tls)"|imports Node built-ins/);
  });
});
