export const JSON_TYPE = "application/json; charset=utf-8";

/**
 * JSON with integers wider than a double: legacy clients read `"id":240252311455277056` as a number, and a
 * JavaScript number cannot hold it, so such values travel as a JsonInteger holding their decimal digits.
 */
export class JsonInteger {
  constructor(readonly digits: string) {
    if (!/^-?(0|[1-9][0-9]*)$/.test(digits)) throw new TypeError(`not an integer: ${digits}`);
  }
}

/** A value already serialized, written verbatim: lets a renderer reuse the JSON of an object it has seen before. */
export class RawJson {
  constructor(readonly text: string) {}
}

// biome-ignore lint/correctness/noUnusedVariables: written so that no compiler drops the read that flattens.
let flattenedReads = 0;

/**
 * `text` as one flat string, for a string kept for long. A string built by `+=` is a tree of all its pieces, about
 * nine times the size of its characters (13,034 against 1,445 bytes for a 1,242-character user, docs/benchmarks.md);
 * V8 copies it into one flat string the first time a character is read. The read is counted so that no compiler
 * drops it as unused.
 */
export function flattened(text: string): string {
  flattenedReads += text.length > 0 ? text.charCodeAt(0) & 1 : 0;
  return text;
}

export type JsonValue = RawJson | string | number | boolean | null | JsonInteger | readonly JsonValue[] | { readonly [key: string]: JsonValue | undefined };

/** Keys repeat from one message to the next: each is quoted once (a bounded table, the keys come from upstream). */
const quotedKeys = new Map<string, string>();

function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < 1_000) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/** Strings first and plain loops, not Object.entries: this runs for every message (see docs/benchmarks.md). */
export function serializeJson(value: JsonValue | undefined): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value === undefined || value === null) return "null";
  if (value instanceof JsonInteger) return value.digits;
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + serializeJson(value[i]);
    return `${out}]`;
  }
  const object = value as { readonly [key: string]: JsonValue | undefined };
  let out = "{";
  for (const key of Object.keys(object)) {
    const v = object[key];
    if (v !== undefined) out += `${(out.length === 1 ? "" : ",") + quoteKey(key)}:${serializeJson(v)}`;
  }
  return `${out}}`;
}
