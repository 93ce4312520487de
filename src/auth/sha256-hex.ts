const encoder = new TextEncoder();

/** Hex SHA-256 of a text: a bounded, opaque name for keys that hold credentials or client-chosen values. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return hex;
}
