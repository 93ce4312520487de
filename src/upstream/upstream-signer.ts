import { buildOAuthHeader } from "../oauth/authorization-header";
import { percentEncode } from "../oauth/percent-encode";
import { computeSignature, type HmacSha1, type OAuthCredentials, type Param } from "../oauth/signature";

export interface SignerOptions {
  /** Origin plus optional path prefix, no trailing slash: every request goes here and nowhere else. */
  baseUrl: string;
  hmac: HmacSha1;
  clock: () => number;
  nonce: () => string;
}

/** Builds upstream URLs and signs upstream calls with the caller's consumer and token (OAuth 1.0a user context). */
export function createUpstreamSigner(o: SignerOptions) {
  return {
    endpoint(path: string, query: readonly Param[] = []): URL {
      const url = new URL(o.baseUrl + path);
      // Encoded the RFC 3986 way, so the upstream decodes exactly the values that were signed.
      url.search = query.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join("&");
      return url;
    },

    async authorize(method: string, url: URL, query: readonly Param[], creds: OAuthCredentials): Promise<string> {
      const oauth: Param[] = [
        ["oauth_consumer_key", creds.consumerKey],
        ["oauth_nonce", o.nonce()],
        ["oauth_signature_method", "HMAC-SHA1"],
        ["oauth_timestamp", String(Math.floor(o.clock() / 1000))],
        ["oauth_token", creds.token],
        ["oauth_version", "1.0"],
      ];
      // A JSON body is not part of the base string (RFC 5849 3.4.1.3.1 signs form bodies only).
      const signature = await computeSignature(o.hmac, method, url, [...query, ...oauth], creds.consumerSecret, creds.tokenSecret);
      return buildOAuthHeader([...oauth, ["oauth_signature", signature]]);
    },
  };
}

export type UpstreamSigner = ReturnType<typeof createUpstreamSigner>;
