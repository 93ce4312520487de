import { percentEncode } from "./percent-encode";
import type { Param } from "./signature";

/**
 * Parses `OAuth k="v", k2="v2"` (RFC 5849 3.5.1). Returns undefined when the header is not OAuth or is malformed,
 * so that the caller answers "Could not authenticate you" rather than guessing.
 */
export function parseOAuthHeader(header: string): Param[] | undefined {
  const m = /^\s*OAuth\s+(.*)$/is.exec(header);
  if (!m) return undefined;
  const params: Param[] = [];
  const re = /\s*([A-Za-z0-9_.~%-]+)\s*=\s*"([^"]*)"\s*(,|$)/gy;
  const rest = m[1] ?? "";
  let pos = 0;
  while (pos < rest.length) {
    re.lastIndex = pos;
    const part = re.exec(rest);
    if (!part) return undefined;
    try {
      params.push([decodeEscapes(part[1]!), decodeEscapes(part[2]!)]);
    } catch {
      return undefined;
    }
    pos = re.lastIndex;
    if (part[3] === "") break;
  }
  return params;
}

/** Only values that hold an escape are decoded: most hold none, and decodeURIComponent is not free even then. */
function decodeEscapes(value: string): string {
  return value.includes("%") ? decodeURIComponent(value) : value;
}

export function buildOAuthHeader(params: readonly Param[]): string {
  return `OAuth ${params.map(([n, v]) => `${percentEncode(n)}="${percentEncode(v)}"`).join(", ")}`;
}
