import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { DIALECTS } from "../../src/dialects/registry";

const run = promisify(execFile);

/**
 * Dialects keep what they wrote for the users they rendered last (its JSON, its XML children). Kept as the tree of
 * pieces `+=` builds, one takes about nine times its characters; kept for every user cached, 62 to 85 MiB more at
 * the user cache's 50,000. Each dialect is measured in a process of its own (test/helpers/rendered-memory.ts).
 */
describe("what a dialect keeps per user it rendered", () => {
  const formats = DIALECTS.flatMap((dialect) => [...new Set(dialect.routes.flatMap((r) => r.formats))].map((format) => [dialect.name, format]));

  it.each(formats)("%s %s: a flat copy of what it wrote, not a tree of its pieces nor a dictionary, for the last 2,000 users", async (dialect, format) => {
    const { stdout } = await run(process.execPath, ["--expose-gc", "--import", "tsx", "test/helpers/rendered-memory.ts", dialect!, format!]);
    const m = JSON.parse(stdout) as { keptPerUser: number; charactersPerMessage: number; keptForAll: number; rendered: number; kept: number };
    // Per user, of the message's characters (both users): 0.2 to 0.85 kept flat; 1.07 to 3.1 with the user's fields
    // in a dictionary-mode object, or its text as the tree of pieces `+=` built.
    expect(m.keptPerUser).toBeLessThan(0.95 * m.charactersPerMessage);
    expect(m.keptPerUser).toBeGreaterThan(0);
    // Three times as many users rendered as are kept: only the last ones' renderings stay.
    expect(m.rendered).toBe(3 * m.kept);
    expect(m.keptForAll).toBeLessThan(1.25 * m.kept * m.keptPerUser);
  });
});
