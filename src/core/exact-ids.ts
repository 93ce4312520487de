import { JsonInteger, type JsonValue } from "./json";

const DIGITS = /^-?[0-9]+$/;

/**
 * Copies an upstream object for rendering, writing every `x` that has an `x_str` sibling from the string's digits,
 * because JSON.parse has already rounded ids above 2^53 in `x`.
 */
export function withExactIds(value: unknown, omit: ReadonlySet<string> = new Set()): JsonValue {
  if (Array.isArray(value)) return value.map((v) => withExactIds(v));
  if (value === null || typeof value !== "object") return (value ?? null) as JsonValue;
  const obj = value as Record<string, unknown>;
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (omit.has(k)) continue;
    const exact = obj[`${k}_str`];
    out[k] = typeof v === "number" && typeof exact === "string" && DIGITS.test(exact) ? new JsonInteger(exact) : withExactIds(v);
  }
  return out;
}
