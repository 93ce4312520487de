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

export type JsonValue =
  | RawJson
  | string
  | number
  | boolean
  | null
  | JsonInteger
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue | undefined };

export function serializeJson(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return "null";
  if (value instanceof JsonInteger) return value.digits;
  if (value instanceof RawJson) return value.text;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (Array.isArray(value)) return "[" + value.map((v) => serializeJson(v)).join(",") + "]";
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined) parts.push(JSON.stringify(k) + ":" + serializeJson(v));
  }
  return "{" + parts.join(",") + "}";
}
