import { buildOAuthHeader } from "./authorization-header";
import { percentEncode } from "./percent-encode";
import { buildBaseString, buildSigningKey, type HmacSha1, type OAuthCredentials, type Param } from "./signature";

const NONCE = "NONCEMARKER";
const TIMESTAMP = "TIMESTAMPMARKER";
const SIGNATURE = "SIGNATUREMARKER";
/** Values that percent-encoding (once in the parameter string, again in the base string) leaves as they are. */
const SPLICEABLE = /^[0-9A-Za-z]{1,64}$/;

/**
 * The OAuth 1.0a header of a call whose method, URL, parameters and credentials are fixed, for any nonce and
 * timestamp. The base string and the header are built once around markers and the two values spliced in, which
 * gives the same string as a full rebuild when both are letters and digits, and when no other parameter is named
 * `oauth_…` (the sorted order then cannot depend on the two values); other calls, and a URL or parameter that holds
 * a marker, are signed the long way.
 */
export function createHeaderTemplate(method: string, url: string | URL, params: readonly Param[], creds: OAuthCredentials) {
  const oauth = (nonce: string, timestamp: string): Param[] => [
    ["oauth_consumer_key", creds.consumerKey],
    ["oauth_nonce", nonce],
    ["oauth_signature_method", "HMAC-SHA1"],
    ["oauth_timestamp", timestamp],
    ["oauth_token", creds.token],
    ["oauth_version", "1.0"],
  ];
  const key = buildSigningKey(creds.consumerSecret, creds.tokenSecret);
  const spliceable = !params.some(([name]) => name.startsWith("oauth_"));
  const base = spliceable ? splitAt(buildBaseString(method, url, [...params, ...oauth(NONCE, TIMESTAMP)]), [NONCE, TIMESTAMP]) : undefined;
  const head = splitAt(buildOAuthHeader([...oauth(NONCE, TIMESTAMP), ["oauth_signature", SIGNATURE]]), [NONCE, TIMESTAMP, SIGNATURE]);

  const headerOf = (spliced: boolean, nonce: string, timestamp: string, signature: string) =>
    spliced
      ? head![0] + nonce + head![1] + timestamp + head![2] + percentEncode(signature) + head![3]
      : buildOAuthHeader([...oauth(nonce, timestamp), ["oauth_signature", signature]]);

  /** A string when `hmac` answers synchronously (node:crypto, src/oauth/hmac-sha1.ts), a promise when it does not. */
  return (nonce: string, timestamp: string, hmac: HmacSha1): string | Promise<string> => {
    const spliced = base !== undefined && head !== undefined && SPLICEABLE.test(nonce) && SPLICEABLE.test(timestamp);
    const data = spliced ? base[0] + nonce + base[1] + timestamp + base[2] : buildBaseString(method, url, [...params, ...oauth(nonce, timestamp)]);
    const signature = hmac(key, data);
    return typeof signature === "string" ? headerOf(spliced, nonce, timestamp, signature) : signature.then((s) => headerOf(spliced, nonce, timestamp, s));
  };
}

/** `text` cut at each marker in turn, or undefined unless every marker occurs once, in that order. */
function splitAt(text: string, markers: readonly string[]): string[] | undefined {
  const parts: string[] = [];
  let rest = text;
  for (const marker of markers) {
    const at = rest.indexOf(marker);
    if (at < 0 || rest.indexOf(marker, at + 1) >= 0) return undefined;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + marker.length);
  }
  return [...parts, rest];
}
