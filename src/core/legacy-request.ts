import { BridgeError } from "./errors";
import type { Param } from "../oauth/signature";

export type Recipient = { by: "id"; value: string } | { by: "screen_name"; value: string };

export interface LegacyDmRequest {
  recipient: Recipient;
  text: string;
}

/** The events API's limit; legacy clients were told 140, but nothing longer is refused before X refuses it. */
export const MAX_TEXT_CHARS = 10_000;

/**
 * Names under which a dialect accepts the recipient, in order of precedence. `ambiguous` names take an id or a
 * screen name: all digits means an id (StatusNet's rule, and Twitter's), so a numeric screen name must come as
 * `screen_name`.
 */
export interface RecipientParamRules {
  byId: readonly string[];
  byScreenName: readonly string[];
  ambiguous: readonly string[];
  /** Which group wins when a client sends several; by default ids, then names, then ambiguous (Twitter's rule). */
  precedence?: readonly RecipientGroup[];
  /** Parameters the dialect accepts and never reads (Sina's `source` app key): not even a repeat is refused. */
  ignored?: readonly string[];
}

export type RecipientGroup = "byId" | "byScreenName" | "ambiguous";

const TWITTER_PRECEDENCE: readonly RecipientGroup[] = ["byId", "byScreenName", "ambiguous"];

const DIGITS = /^[0-9]{1,20}$/;

export function parseLegacyRequest(params: readonly Param[], rules: RecipientParamRules): LegacyDmRequest {
  const ignored = new Set(rules.ignored ?? []);
  const values = collectSingleValues(params.filter(([name]) => !ignored.has(name)));
  const text = values.get("text");
  if (text === undefined || text === "") throw new BridgeError("text_missing", { param: "text" });
  if (countChars(text) > MAX_TEXT_CHARS) throw new BridgeError("text_too_long", { limit: MAX_TEXT_CHARS });
  return { recipient: pickRecipient(values, rules), text };
}

function pickRecipient(values: Map<string, string>, rules: RecipientParamRules): Recipient {
  for (const group of rules.precedence ?? TWITTER_PRECEDENCE) {
    for (const name of rules[group]) {
      const found = readRecipient(group, name, values.get(name));
      if (found) return found;
    }
  }
  throw new BridgeError("param_missing", { param: rules.byScreenName[0] ?? rules.ambiguous[0] ?? "user" });
}

function readRecipient(group: RecipientGroup, name: string, raw: string | undefined): Recipient | undefined {
  if (group === "byId") {
    if (raw === undefined || raw === "") return undefined;
    if (!DIGITS.test(raw)) throw new BridgeError("param_invalid", { param: name });
    return { by: "id", value: stripLeadingZeros(raw) };
  }
  const v = raw?.replace(/^@/, "");
  if (!v) return undefined;
  if (group === "byScreenName") return { by: "screen_name", value: v };
  return DIGITS.test(v) ? { by: "id", value: stripLeadingZeros(v) } : { by: "screen_name", value: v };
}

/** Legacy parameters must each come once; two `text` values would leave the gateway guessing which to send. */
function collectSingleValues(params: readonly Param[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const [name, value] of params) {
    if (name.startsWith("oauth_")) continue;
    if (values.has(name)) throw new BridgeError("param_invalid", { param: name });
    values.set(name, value);
  }
  return values;
}

function stripLeadingZeros(digits: string): string {
  return digits.replace(/^0+(?=\d)/, "");
}

function countChars(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
