import { percentEncode } from "./percent-encode";

/** A name/value pair as it was sent; repeated names are kept, because RFC 5849 signs every occurrence. */
export type Param = readonly [name: string, value: string];

/** HMAC-SHA1 of `data` under `key`, base64. Injected: node:crypto in Node, src/oauth/hmac-sha1.ts on Workers. */
export type HmacSha1 = (key: string, data: string) => string | Promise<string>;

export interface OAuthCredentials {
  consumerKey: string;
  consumerSecret: string;
  token: string;
  tokenSecret: string;
}

/** RFC 5849 3.4.1.2: scheme and host lowercased, default port dropped, no query or fragment. */
export function normalizeBaseUrl(url: string | URL): string {
  const u = typeof url === "string" ? new URL(url) : url;
  const scheme = u.protocol.toLowerCase();
  const defaultPort = (scheme === "http:" && u.port === "80") || (scheme === "https:" && u.port === "443");
  const host = u.hostname.toLowerCase() + (u.port && !defaultPort ? `:${u.port}` : "");
  return `${scheme}//${host}${u.pathname}`;
}

/** RFC 5849 3.4.1.3.2: encode, sort by name then value, join. Plain loops: this runs for every message verified. */
export function normalizeParams(params: readonly Param[]): string {
  const encoded: Param[] = [];
  for (const [n, v] of params) encoded.push([percentEncode(n), percentEncode(v)]);
  encoded.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  let joined = "";
  for (const [n, v] of encoded) joined += joined === "" ? `${n}=${v}` : `&${n}=${v}`;
  return joined;
}

export function buildBaseString(method: string, url: string | URL, params: readonly Param[]): string {
  return `${percentEncode(method.toUpperCase())}&${percentEncode(normalizeBaseUrl(url))}&${percentEncode(normalizeParams(params))}`;
}

export function buildSigningKey(consumerSecret: string, tokenSecret: string): string {
  return `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`;
}

/** A string when `hmac` answers synchronously (node:crypto), so that no promise is made around a known value. */
export function computeSignature(
  hmac: HmacSha1,
  method: string,
  url: string | URL,
  params: readonly Param[],
  consumerSecret: string,
  tokenSecret: string,
): string | Promise<string> {
  return hmac(buildSigningKey(consumerSecret, tokenSecret), buildBaseString(method, url, params));
}

/** Length leaks, content does not: every character is compared whatever the first difference. */
export function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}
