/** RFC 3986 unreserved-only encoding, as RFC 5849 section 3.6 requires (encodeURIComponent leaves !*'() bare). */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!*'()]/g,
    (ch) => "%" + ch.charCodeAt(0).toString(16).toUpperCase(),
  );
}
