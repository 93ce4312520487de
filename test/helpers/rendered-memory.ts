// One dialect's kept renderings, measured in a process of its own (test/core/cached-renderings.test.ts): a heap
// shared with other tests gives back their memory at moments of its own. `node --expose-gc --import tsx
// test/helpers/rendered-memory.ts <dialect> <format>` prints what it measured as JSON.
import type { DirectMessage } from "../../src/core/direct-message";
import type { XUser } from "../../src/core/x-types";
import type { Format } from "../../src/dialects/dialect";
import { DIALECTS } from "../../src/dialects/registry";
import { RENDERED_USERS_KEPT } from "../../src/core/rendered-users";
import { findGeneratedUser } from "../../src/sandbox/sandbox-users";

/** Users rendered first, fewer than the dialect keeps: what each costs. */
const FIRST_USERS = 1_500;

const [dialectName, format] = process.argv.slice(2) as [string, Format];
const dialect = DIALECTS.find((d) => d.name === dialectName)!;
const collect = (globalThis as { gc?: () => void }).gc!;
const heap = () => {
  collect();
  collect();
  return process.memoryUsage().heapUsed;
};
const recipient = findGeneratedUser("id", "9000000001")!.user;
const senders: XUser[] = [];
for (let i = 0; i < 3 * RENDERED_USERS_KEPT; i++) senders.push({ ...findGeneratedUser("id", String(9_000_100_000 + i))!.user });
const warmUp = Array.from({ length: 300 }, (_, i) => ({ ...findGeneratedUser("id", String(9_000_900_000 + i))!.user }));
const message = (sender: XUser, i: number): DirectMessage => ({
  id: String(1_855_000_000_000_000_000n + BigInt(i)),
  text: "hello",
  createdAtMs: Date.UTC(2026, 11, 2),
  entities: { hashtags: [], symbols: [], user_mentions: [], urls: [] },
  sender,
  recipient,
});
const context = { format, requestPath: `/direct_messages/new.${format}` };
// Compiled code and type feedback first, by users the measured ones then push out: what is measured is what is kept.
for (const [i, user] of warmUp.entries()) dialect.renderMessage(message(user, i), context);
const before = heap();
let characters = 0;
for (let i = 0; i < FIRST_USERS; i++) characters += dialect.renderMessage(message(senders[i]!, i), context).body.length;
const first = heap() - before;
for (let i = FIRST_USERS; i < senders.length; i++) dialect.renderMessage(message(senders[i]!, i), context);
const all = heap() - before;
console.log(
  JSON.stringify({
    keptPerUser: first / FIRST_USERS,
    charactersPerMessage: characters / FIRST_USERS,
    keptForAll: all,
    rendered: senders.length,
    kept: RENDERED_USERS_KEPT,
  }),
);
