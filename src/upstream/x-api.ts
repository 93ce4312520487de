import { BridgeError } from "../core/errors";
import type { XNewEventRequest, XUser } from "../core/x-types";
import { buildOAuthHeader } from "../oauth/authorization-header";
import { percentEncode } from "../oauth/percent-encode";
import { computeSignature, type HmacSha1, type OAuthCredentials, type Param } from "../oauth/signature";
import { fetchUpstreamJson, type FetchLike, type UpstreamAnswer } from "./upstream-fetch";

export interface XApi {
  lookupUsers(creds: OAuthCredentials, by: "screen_name" | "user_id", values: readonly string[]): Promise<XUser[]>;
  sendMessage(creds: OAuthCredentials, body: XNewEventRequest): Promise<UpstreamAnswer>;
}

export interface XApiOptions {
  fetch: FetchLike;
  /** Origin plus optional path prefix, no trailing slash: every request goes here and nowhere else. */
  baseUrl: string;
  timeoutMs: number;
  hmac: HmacSha1;
  clock: () => number;
  nonce: () => string;
}

export function createXApi(o: XApiOptions): XApi {
  async function authorize(method: string, url: URL, query: readonly Param[], creds: OAuthCredentials) {
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
  }

  function endpoint(path: string, query: readonly Param[] = []): URL {
    const url = new URL(o.baseUrl + path);
    // Encoded the RFC 3986 way, so the upstream decodes exactly the values that were signed.
    url.search = query.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join("&");
    return url;
  }

  return {
    async lookupUsers(creds, by, values) {
      const query: Param[] = [[by, values.join(",")], ["include_entities", "false"]];
      const url = endpoint("/1.1/users/lookup.json", query);
      const request = new Request(url, {
        method: "GET",
        headers: { authorization: await authorize("GET", url, query, creds), accept: "application/json" },
      });
      const { json } = await fetchUpstreamJson(o.fetch, request, o.timeoutMs);
      if (!Array.isArray(json)) throw new BridgeError("upstream_bad_response");
      return json.filter(isUser);
    },

    async sendMessage(creds, body) {
      const url = endpoint("/1.1/direct_messages/events/new.json");
      const request = new Request(url, {
        method: "POST",
        headers: {
          authorization: await authorize("POST", url, [], creds),
          "content-type": "application/json",
          accept: "application/json",
        },
        body: JSON.stringify(body),
      });
      // Never retried: after an ambiguous failure the message may already be delivered.
      return fetchUpstreamJson(o.fetch, request, o.timeoutMs);
    },
  };
}

function isUser(u: unknown): u is XUser {
  const user = u as XUser | null;
  return !!user && typeof user.id_str === "string" && /^[0-9]+$/.test(user.id_str) && typeof user.screen_name === "string";
}
