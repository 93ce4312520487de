import OAuth from "oauth-1.0a";
import { DEMO_CREDENTIALS } from "../../src/sandbox/sandbox-users";

/**
 * The legacy client inside workerd. It builds the base string with the oauth-1.0a package, not with the proxy's
 * src/oauth, and computes HMAC-SHA1 with its own Web Crypto call: the package signs synchronously, which workerd
 * cannot do without node:crypto.
 */
export const DEMO = {
  consumerKey: "demo-consumer-key",
  consumerSecret: DEMO_CREDENTIALS.consumers["demo-consumer-key"],
  token: "776627022-demo-access-token",
  tokenSecret: DEMO_CREDENTIALS.tokens["776627022-demo-access-token"],
};

export interface WebLegacyCall {
  url: string;
  query?: Record<string, string>;
  form?: Record<string, string>;
  creds?: typeof DEMO;
  /** Seconds since the epoch, to build stale requests. */
  timestamp?: number;
  /** The URL to sign when it differs from the one called (a custom domain in front of the Worker). */
  signedUrl?: string;
}

const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
export const encodePairs = (pairs: Record<string, string>) =>
  Object.entries(pairs)
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .join("&");

async function hmacSha1Base64(key: string, data: string): Promise<string> {
  const enc = new TextEncoder();
  const k = await crypto.subtle.importKey("raw", enc.encode(key), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", k, enc.encode(data)));
  return btoa(String.fromCharCode(...mac));
}

export async function signWebLegacyCall(call: WebLegacyCall): Promise<Request> {
  const creds = call.creds ?? DEMO;
  const oauth = new OAuth({
    consumer: { key: creds.consumerKey, secret: creds.consumerSecret },
    signature_method: "HMAC-SHA1",
    hash_function: () => {
      throw new Error("unused: signed with Web Crypto below");
    },
  });
  const qs = call.query ? `?${encodePairs(call.query)}` : "";
  const data: OAuth.Authorization = {
    oauth_consumer_key: creds.consumerKey,
    oauth_nonce: crypto.randomUUID().replaceAll("-", ""),
    oauth_signature_method: "HMAC-SHA1",
    oauth_timestamp: call.timestamp ?? Math.floor(Date.now() / 1000),
    oauth_token: creds.token,
    oauth_version: "1.0",
    oauth_signature: "",
  };
  const { oauth_signature: _, ...unsigned } = data;
  const base = oauth.getBaseString({ url: (call.signedUrl ?? call.url) + qs, method: "POST", data: call.form ?? {} }, unsigned as OAuth.Authorization);
  data.oauth_signature = await hmacSha1Base64(oauth.getSigningKey(creds.tokenSecret), base);
  const headers = new Headers({ authorization: oauth.toHeader(data).Authorization });
  if (call.form) headers.set("content-type", "application/x-www-form-urlencoded");
  return new Request(call.url + qs, { method: "POST", headers, body: call.form ? encodePairs(call.form) : undefined });
}
