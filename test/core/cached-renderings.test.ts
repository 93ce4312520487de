import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { createRenderedUsers, RENDERED_USERS_KEPT } from "../../src/core/rendered-users";
import { DIALECTS } from "../../src/dialects/registry";
import { findGeneratedUser } from "../../src/sandbox/sandbox-users";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Dialects keep what they wrote for the users they rendered last (its JSON, its XML children). Kept as the tree of
 * pieces `+=` builds, one takes about nine times its characters; kept for every user cached, 62 to 85 MiB more at
 * the user cache's 50,000. Each dialect is measured in a process of its own (test/helpers/rendered-memory.ts).
 */
describe("what a dialect keeps per user it rendered", () => {
  const formats = DIALECTS.flatMap((dialect) => [...new Set(dialect.routes.flatMap((r) => r.formats))].map((format) => [dialect.name, format]));

  it.each(formats)("%s %s: a flat copy of what it wrote, not a tree of its pieces nor a dictionary, for the last 2,000 users", async (dialect, format) => {
    const { stdout } = await run(process.execPath, ["--expose-gc", "--import", "tsx", "test/helpers/rendered-memory.ts", dialect!, format!], { cwd: ROOT });
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

describe("the renderings kept", () => {
  const user = (n: number) => ({ ...findGeneratedUser("id", String(9_000_000_000 + n))!.user });

  it("serves the same user object from memory, and makes anew for a profile fetched again, in its id's place", () => {
    const kept = createRenderedUsers<{ made: number }>();
    let made = 0;
    const make = () => ({ made: ++made });
    const first = user(1);
    expect([kept(first, make), kept(first, make)]).toEqual([{ made: 1 }, { made: 1 }]);
    // The same id, fetched again (or a placeholder for one message): made for it, and it replaces the first.
    const again = user(1);
    expect(kept(again, make)).toEqual({ made: 2 });
    expect(kept(first, make)).toEqual({ made: 3 });
    // Placeholders of one id take one place: every other user is still kept.
    const others = Array.from({ length: RENDERED_USERS_KEPT - 1 }, (_, i) => user(100 + i));
    for (const other of others) kept(other, make);
    let placeholder = user(1);
    for (let i = 0; i < 50; i++) kept((placeholder = user(1)), make);
    const before = made;
    for (const other of others) kept(other, make);
    expect(made).toBe(before);
    // One more user than are kept: the least recently rendered (id 1's last placeholder) is the one let go.
    kept(user(99_999), make);
    kept(others[0]!, make);
    expect(made).toBe(before + 1);
    kept(placeholder, make);
    expect(made).toBe(before + 2);
  });
});
