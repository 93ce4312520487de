import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import type { DirectMessage } from "../../src/core/direct-message";
import type { XUser } from "../../src/core/x-types";
import { DIALECTS } from "../../src/dialects/registry";
import { findGeneratedUser } from "../../src/sandbox/sandbox-users";

// A collector this test can call: the heap is measured after everything unreachable is gone.
setFlagsFromString("--expose-gc");
const collect = runInNewContext("gc") as () => void;

const USERS = 1_500;

function heapAfterCollection(): number {
  collect();
  collect();
  return process.memoryUsage().heapUsed;
}

/**
 * Dialects keep what they wrote for each cached user (its JSON, its XML children), for as long as the user is cached:
 * up to 50,000 users. Kept as the tree of pieces `+=` builds, one takes about nine times its characters.
 */
describe("what a dialect keeps per cached user", () => {
  const recipient = findGeneratedUser("id", "9000000001")!.user;
  const formats = DIALECTS.flatMap((dialect) => [...new Set(dialect.routes.flatMap((r) => r.formats))].map((format) => ({ dialect, format })));

  it.each(formats.map(({ dialect, format }) => [`${dialect.name} ${format}`, dialect, format] as const))(
    "%s: a flat copy of what it wrote, not a tree of its pieces nor a dictionary",
    (_name, dialect, format) => {
      const senders: XUser[] = [];
      for (let i = 0; i < USERS; i++) senders.push({ ...findGeneratedUser("id", String(9_000_100_000 + i))!.user });
      const message = (sender: XUser, i: number): DirectMessage => ({
        id: String(1_855_000_000_000_000_000n + BigInt(i)),
        text: "hello",
        createdAtMs: Date.UTC(2026, 11, 2),
        entities: { hashtags: [], symbols: [], user_mentions: [], urls: [] },
        sender,
        recipient,
      });
      const context = { format, requestPath: `/direct_messages/new.${format}` };
      dialect.renderMessage(message(recipient, 0), context);
      const before = heapAfterCollection();
      let characters = 0;
      for (let i = 0; i < USERS; i++) characters += dialect.renderMessage(message(senders[i]!, i), context).body.length;
      const keptPerUser = (heapAfterCollection() - before) / USERS;
      // Measured per sender, of the message's characters (both users): 0.2 to 0.85 kept flat; 1.07 to 3.1 with the
      // user's fields in a dictionary-mode object, or its text as the tree of pieces `+=` built.
      expect(keptPerUser).toBeLessThan((0.95 * characters) / USERS);
      expect(senders.length).toBe(USERS);
    },
  );
});
