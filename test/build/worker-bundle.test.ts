import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildWorkerBundle } from "../../scripts/worker-bundle";

const dir = mkdtempSync(join(tmpdir(), "dm-bridge-bundle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the Worker whose entry also uses a Node built-in, as a slip in src/ would. */
function workerWithNodeImport(): string {
  const adapter = resolve("adapters/cloudflare.ts");
  writeFileSync(
    join(dir, "entry.ts"),
    `import worker from ${JSON.stringify(adapter)};\nimport { createHash } from "node:crypto";\n` +
      `export default { fetch: (r: Request, env: object) => (createHash("sha1"), worker.fetch(r, env)) };\n`,
  );
  const toml = readFileSync("wrangler.toml", "utf8").replace(/^main = .*$/m, 'main = "entry.ts"');
  writeFileSync(join(dir, "wrangler.toml"), toml);
  return join(dir, "wrangler.toml");
}

describe("the Worker bundle guard run by npm test", () => {
  it("builds the Worker of wrangler.toml with no Node built-in", () => {
    const bundle = buildWorkerBundle(join(dir, "ok"));
    expect(readFileSync(bundle.path, "utf8")).toContain("x-dm-bridge-upstream");
    expect(bundle.compatibilityFlags).not.toContain("nodejs_compat");
  });

  it("fails when a Node built-in reaches the bundle, naming it", () => {
    expect(() => buildWorkerBundle(join(dir, "bad"), workerWithNodeImport())).toThrow(/imports Node built-ins \(node:crypto\)/);
  });
});
