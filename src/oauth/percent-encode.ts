const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;
const SUB_DELIMS = /[!*'()]/g;

/** RFC 3986 unreserved-only encoding, as RFC 5849 section 3.6 requires (encodeURIComponent leaves !*'() bare). */
export function percentEncode(value: string): string {
  // Most OAuth values (keys, nonces, timestamps, names) need no encoding: one test instead of two passes.
  if (UNRESERVED.test(value)) return value;
  const encoded = encodeURIComponent(value);
  return encoded.includes("!") || encoded.includes("*") || encoded.includes("'") || encoded.includes("(") || encoded.includes(")")
    ? encoded.replace(SUB_DELIMS, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
    : encoded;
}
