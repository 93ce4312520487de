import type { HmacSha1 } from "./signature";

const encoder = new TextEncoder();

/**
 * HMAC-SHA1 through Web Crypto, for runtimes without node:crypto. Imported keys are kept, because a gateway signs
 * with the same few keys all day and importKey costs more than the HMAC itself.
 */
export function createWebHmacSha1(maxKeys = 256): HmacSha1 {
  const keys = new Map<string, Promise<CryptoKey>>();
  return async (key, data) => {
    let cryptoKey = keys.get(key);
    if (!cryptoKey) {
      if (keys.size >= maxKeys) keys.delete(keys.keys().next().value as string);
      cryptoKey = crypto.subtle.importKey("raw", encoder.encode(key), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
      keys.set(key, cryptoKey);
    }
    const mac = await crypto.subtle.sign("HMAC", await cryptoKey, encoder.encode(data));
    return bytesToBase64(new Uint8Array(mac));
  };
}

function bytesToBase64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}
