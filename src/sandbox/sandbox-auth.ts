import OAuth from "oauth-1.0a";
import type { HmacSha1 } from "../oauth/signature";

/**
 * The sandbox checks the proxy's signatures with a second, independent implementation (the oauth-1.0a package's
 * base string), so that a bug in the proxy's own signing cannot hide behind the same bug in verification.
 */
export interface SandboxAuthOptions {
  consumers: Record<string, string>;
  tokens: Record<string, string>;
  hmac: HmacSha1;
  clock: () => number;
}

export type SandboxAuthResult = { ok: true; token: string } | { ok: false; code: 32 | 135 | 215; message: string };

const refusal = (code: 32 | 135 | 215, message: string): SandboxAuthResult => ({ ok: false, code, message });

export function createSandboxVerifier(o: SandboxAuthOptions) {
  const seenNonces = new Set<string>();
  return async function verify(method: string, url: string, authorization: string | null): Promise<SandboxAuthResult> {
    if (!authorization?.startsWith("OAuth ")) return refusal(215, "Bad Authentication data.");
    const fields: Record<string, string> = {};
    for (const part of authorization.slice(6).split(/,\s*/)) {
      const m = /^([a-z_]+)="([^"]*)"$/.exec(part.trim());
      if (!m) return refusal(32, "Could not authenticate you.");
      fields[m[1]!] = decodeURIComponent(m[2]!);
    }
    const { oauth_signature: signature, ...oauthData } = fields;
    const consumerSecret = o.consumers[oauthData.oauth_consumer_key ?? ""];
    const tokenSecret = o.tokens[oauthData.oauth_token ?? ""];
    if (!signature || consumerSecret === undefined || tokenSecret === undefined) {
      return refusal(32, "Could not authenticate you.");
    }
    if (Math.abs(o.clock() / 1000 - Number(oauthData.oauth_timestamp)) > 900) return refusal(135, "Timestamp out of bounds.");
    const oauth = new OAuth({
      consumer: { key: oauthData.oauth_consumer_key!, secret: consumerSecret },
      signature_method: "HMAC-SHA1",
      hash_function: () => {
        throw new Error("unused: the sandbox signs asynchronously");
      },
    });
    const base = oauth.getBaseString({ url, method, data: {} }, oauthData as unknown as OAuth.Authorization);
    const expected = await o.hmac(oauth.getSigningKey(tokenSecret), base);
    if (expected !== signature) return refusal(32, "Could not authenticate you.");
    const nonceKey = `${oauthData.oauth_token}:${oauthData.oauth_nonce}`;
    if (seenNonces.has(nonceKey)) return refusal(32, "Could not authenticate you.");
    seenNonces.add(nonceKey);
    return { ok: true, token: oauthData.oauth_token! };
  };
}
