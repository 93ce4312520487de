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

/** X accepts timestamps this far from its clock, either way. */
const WINDOW_SEC = 900;

/**
 * Nonces are remembered in two generations of 2 × WINDOW_SEC each: a nonce first accepted at t carries a timestamp
 * no later than t + WINDOW_SEC, so past t + 2 × WINDOW_SEC its replay fails the timestamp check anyway. Keeping
 * every nonce for good made a long-running `npm start` on the sandbox grow by one key per message. Not the proxy's
 * own `createMemoryNonceStore`: the sandbox checks the proxy with code of its own, and X does not refuse a send
 * because its replay memory is full, as that store does by design.
 */
function createNonceMemory(clock: () => number) {
  const lifeMs = 2 * WINDOW_SEC * 1000;
  let current = new Set<string>();
  let previous = new Set<string>();
  let rotateAt = clock() + lifeMs;
  return {
    /** True the first time a key is offered within its window, false for a replay. */
    remember(key: string): boolean {
      const now = clock();
      if (now >= rotateAt) {
        // Two lives without a call: both generations are stale.
        previous = now >= rotateAt + lifeMs ? new Set() : current;
        current = new Set();
        rotateAt = now + lifeMs;
      }
      if (current.has(key) || previous.has(key)) return false;
      current.add(key);
      return true;
    },
    size: () => current.size + previous.size,
  };
}

export function createSandboxVerifier(o: SandboxAuthOptions) {
  const nonces = createNonceMemory(o.clock);
  const verify = async function verify(method: string, url: string, authorization: string | null): Promise<SandboxAuthResult> {
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
    if (Math.abs(o.clock() / 1000 - Number(oauthData.oauth_timestamp)) > WINDOW_SEC) return refusal(135, "Timestamp out of bounds.");
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
    if (!nonces.remember(`${oauthData.oauth_token}:${oauthData.oauth_nonce}`)) return refusal(32, "Could not authenticate you.");
    return { ok: true, token: oauthData.oauth_token! };
  };
  return Object.assign(verify, { rememberedNonces: nonces.size });
}
