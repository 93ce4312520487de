import OAuth from "oauth-1.0a";
import Twitter from "twitter";
import { percentEncode } from "../../src/oauth/percent-encode";
import { DEMO_CREDENTIALS } from "../../src/sandbox/sandbox-users";
import { oauthPackageHash } from "./node-crypto";

/**
 * A legacy client as the tests play it: it signs with the oauth-1.0a package, not with the proxy's own code, so a
 * verification bug in the proxy shows up as a failed test rather than as two identical mistakes agreeing.
 */
export interface ClientCredentials {
  consumerKey: string;
  consumerSecret: string;
  token: string;
  tokenSecret: string;
}

export const DEMO: ClientCredentials = {
  consumerKey: "demo-consumer-key",
  consumerSecret: DEMO_CREDENTIALS.consumers["demo-consumer-key"],
  token: "776627022-demo-access-token",
  tokenSecret: DEMO_CREDENTIALS.tokens["776627022-demo-access-token"],
};

/** The unmodified `twitter` library (1.7.1) with the demo credentials, its REST base pointed at `proxyUrl`. */
export function demoTwitterClient(proxyUrl: string): Twitter {
  return new Twitter({
    consumer_key: DEMO.consumerKey,
    consumer_secret: DEMO.consumerSecret,
    access_token_key: DEMO.token,
    access_token_secret: DEMO.tokenSecret,
    rest_base: `${proxyUrl}/1.1`,
  });
}

export interface LegacyCall {
  /** Full URL the client calls, without query. */
  url: string;
  query?: Record<string, string>;
  form?: Record<string, string>;
  creds?: ClientCredentials;
  /** Overrides of the OAuth protocol parameters, to build stale or replayed requests. */
  timestamp?: number;
  nonce?: string;
}

export const encodePairs = (pairs: Record<string, string>) =>
  Object.entries(pairs)
    .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
    .join("&");

export function signLegacyCall(call: LegacyCall): Request {
  const creds = call.creds ?? DEMO;
  const oauth = new OAuth({
    consumer: { key: creds.consumerKey, secret: creds.consumerSecret },
    signature_method: "HMAC-SHA1",
    hash_function: oauthPackageHash,
  });
  const url = call.query ? `${call.url}?${encodePairs(call.query)}` : call.url;
  // oauth-1.0a merges the URL's query into the data object it is given: a copy keeps `call.form` the body sent.
  const data = oauth.authorize({ url, method: "POST", data: { ...call.form } }, { key: creds.token, secret: creds.tokenSecret });
  if (call.timestamp !== undefined || call.nonce !== undefined) {
    if (call.timestamp !== undefined) data.oauth_timestamp = call.timestamp;
    if (call.nonce !== undefined) data.oauth_nonce = call.nonce;
    // Only the protocol parameters: `data` has the request's own merged in, and an `oauth_signature` key, even
    // undefined, would be signed as one.
    const protocol = Object.fromEntries(Object.entries(data).filter(([k]) => k.startsWith("oauth_") && k !== "oauth_signature"));
    data.oauth_signature = oauth.getSignature({ url, method: "POST", data: { ...call.form } }, creds.tokenSecret, protocol as unknown as OAuth.Authorization);
  }
  const headers = new Headers({ authorization: oauth.toHeader(data).Authorization });
  if (call.form) headers.set("content-type", "application/x-www-form-urlencoded");
  return new Request(url, { method: "POST", headers, body: call.form ? encodePairs(call.form) : undefined });
}
