import { createHash } from "node:crypto";

/**
 * What a Redis key holds in place of an access token or a client's nonce: SHA-256, hex. Anyone who can list the
 * keys learns nothing they could sign with, and a key's length does not depend on what the client sent.
 */
export function keyHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
