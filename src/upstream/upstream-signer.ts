import { createHeaderTemplate } from "../oauth/header-template";
import { percentEncode } from "../oauth/percent-encode";
import type { HmacSha1, OAuthCredentials, Param } from "../oauth/signature";

export interface SignerOptions {
  /** Origin plus optional path prefix, no trailing slash: every request goes here and nowhere else. */
  baseUrl: string;
  hmac: HmacSha1;
  clock: () => number;
  nonce: () => string;
}

/** Templates kept per signer; past this many callers, the table starts over rather than grow. */
const MAX_TEMPLATES = 1_000;

/** Builds upstream URLs and signs upstream calls with the caller's consumer and token (OAuth 1.0a user context). */
export function createUpstreamSigner(options: SignerOptions) {
  // A send has no query: its base string differs from the last one by its nonce and timestamp only.
  const templates = new Map<string, ReturnType<typeof createHeaderTemplate>>();

  function templateFor(method: string, url: URL, creds: OAuthCredentials) {
    const id = lengthPrefixed([method, url.href, creds.consumerKey, creds.consumerSecret, creds.token, creds.tokenSecret]);
    let template = templates.get(id);
    if (!template) {
      if (templates.size >= MAX_TEMPLATES) templates.clear();
      template = createHeaderTemplate(method, url, [], creds);
      templates.set(id, template);
    }
    return template;
  }

  return {
    endpoint(path: string, query: readonly Param[] = []): URL {
      const url = new URL(options.baseUrl + path);
      // Encoded the RFC 3986 way, so the upstream decodes exactly the values that were signed.
      url.search = query.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join("&");
      return url;
    },

    /** The Authorization header: a string when the HMAC answers synchronously, a promise when it does not. */
    authorize(method: string, url: URL, query: readonly Param[], creds: OAuthCredentials): string | Promise<string> {
      // A JSON body is not part of the base string (RFC 5849 3.4.1.3.1 signs form bodies only).
      const template = query.length === 0 ? templateFor(method, url, creds) : createHeaderTemplate(method, url, query, creds);
      return template(options.nonce(), String(Math.floor(options.clock() / 1000)), options.hmac);
    },
  };
}

export type UpstreamSigner = ReturnType<typeof createUpstreamSigner>;

/** Each part behind its length: no two different lists share a key, whatever characters they hold (cheaper than JSON). */
export function lengthPrefixed(parts: readonly string[]): string {
  let key = "";
  for (const part of parts) key += `${part.length}:${part}`;
  return key;
}
