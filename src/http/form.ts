import { BridgeError } from "../core/errors";
import type { Param } from "../oauth/signature";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
/** For one decoded value: a leading U+FEFF is part of the value the client signed, not a byte-order mark to drop. */
const strictUtf8Value = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** A `%` that does not start a two-digit escape: kept as it is, which the runtime's decoder would refuse. */
const BARE_PERCENT = /%(?![0-9A-Fa-f]{2})/;

/**
 * application/x-www-form-urlencoded, parsed strictly: '+' is a space, and a percent-encoded byte sequence that is
 * not UTF-8 is refused (URLSearchParams would silently turn it into U+FFFD and the signature would then fail for a
 * reason nobody could see).
 */
export function parseForm(body: string): Param[] {
  const params: Param[] = [];
  if (body === "") return params;
  for (const part of body.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? "" : part.slice(eq + 1);
    params.push([decodeComponent(name), decodeComponent(value)]);
  }
  return params;
}

export function parseQuery(url: string): Param[] {
  const q = url.indexOf("?");
  if (q < 0) return [];
  const hash = url.indexOf("#", q);
  return parseForm(url.slice(q + 1, hash < 0 ? undefined : hash));
}

/**
 * A query string fit to echo in an error document's `request`: as sent, less the OAuth protocol parameters, which
 * are credentials material (a signature, a token) that error pages and the logs that keep them should not hold.
 */
export function echoableSearch(search: string): string {
  if (!search.includes("oauth_") && !search.includes("%")) return search;
  const kept = search
    .replace(/^\?/, "")
    .split("&")
    .filter((part) => !isOAuthParam(part));
  return kept.length === 0 ? "" : `?${kept.join("&")}`;
}

/** The rule authentication applies: the decoded name starts with `oauth_`, however the client encoded it. */
function isOAuthParam(part: string): boolean {
  const eq = part.indexOf("=");
  const raw = (eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, " ");
  try {
    return decodeURIComponent(raw).startsWith("oauth_");
  } catch {
    return raw.startsWith("oauth_");
  }
}

function decodeComponent(raw: string): string {
  const s = raw.includes("+") ? raw.replace(/\+/g, " ") : raw;
  if (!s.includes("%")) return s;
  if (!BARE_PERCENT.test(s)) {
    // decodeURIComponent refuses the same byte sequences as the strict TextDecoder (overlong forms, surrogates,
    // truncated or stray bytes), without the byte-by-byte walk below.
    try {
      return decodeURIComponent(s);
    } catch {
      throw new BridgeError("param_invalid", { param: "encoding" });
    }
  }
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 0x25 && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (ch < 0x80) {
      bytes.push(ch);
    } else {
      // A raw non-ASCII character in the body: keep it as its UTF-8 bytes.
      const cp = s.codePointAt(i)!;
      for (const b of new TextEncoder().encode(String.fromCodePoint(cp))) bytes.push(b);
      if (cp > 0xffff) i++;
    }
  }
  try {
    return strictUtf8Value.decode(new Uint8Array(bytes));
  } catch {
    throw new BridgeError("param_invalid", { param: "encoding" });
  }
}

/** Decodes a request body as UTF-8, refusing invalid sequences rather than replacing them. */
export function decodeUtf8Strict(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new BridgeError("param_invalid", { param: "encoding" });
  }
}
