import { BridgeError } from "../core/errors";
import type { XNewEventRequest, XUser } from "../core/x-types";
import type { HmacSha1, OAuthCredentials, Param } from "../oauth/signature";
import { createRateLimits, withinQuota, type RateLimits } from "./rate-limits";
import { fetchUpstreamJson, type FetchLike, type UpstreamAnswer } from "./upstream-fetch";
import { createUpstreamSigner } from "./upstream-signer";

export interface XApi {
  lookupUsers(creds: OAuthCredentials, by: "screen_name" | "user_id", values: readonly string[]): Promise<XUser[]>;
  sendMessage(creds: OAuthCredentials, body: XNewEventRequest): Promise<UpstreamAnswer>;
  /** While the caller's quota for the lookup's endpoint is spent: the error to answer at once, without a call. */
  lookupRefusal(creds: OAuthCredentials, by: "screen_name" | "user_id"): BridgeError | undefined;
  /** The same for sending, checked before anything else is spent on a message that cannot go. */
  sendRefusal(creds: OAuthCredentials): BridgeError | undefined;
}

export interface XApiOptions {
  fetch: FetchLike;
  /** Origin plus optional path prefix, no trailing slash: every request goes here and nowhere else. */
  baseUrl: string;
  timeoutMs: number;
  hmac: HmacSha1;
  clock: () => number;
  nonce: () => string;
  /** The upstream's quotas per token and endpoint; one of its own (in memory) when not given. */
  rateLimits?: RateLimits;
}

export function createXApi(o: XApiOptions): XApi {
  const { endpoint, authorize } = createUpstreamSigner(o);
  const eventsUrl = endpoint("/1.1/direct_messages/events/new.json");
  const limits = o.rateLimits ?? createRateLimits({ clock: o.clock });

  return {
    async lookupUsers(creds, by, values) {
      const query: Param[] = [[by, values.join(",")], ["include_entities", "false"]];
      const url = endpoint("/1.1/users/lookup.json", query);
      const headers = { authorization: await authorize("GET", url, query, creds), accept: "application/json" };
      const { json } = await withinQuota(limits, creds, "users/lookup", () =>
        fetchUpstreamJson(o.fetch, { method: "GET", url: url.href, headers }, o.timeoutMs),
      );
      if (!Array.isArray(json)) throw new BridgeError("upstream_bad_response");
      return json.filter(isUser);
    },

    async sendMessage(creds, body) {
      const headers = {
        authorization: await authorize("POST", eventsUrl, [], creds),
        "content-type": "application/json",
        accept: "application/json",
      };
      // Never retried: after an ambiguous failure the message may already be delivered.
      return withinQuota(limits, creds, "events/new", () =>
        fetchUpstreamJson(o.fetch, { method: "POST", url: eventsUrl.href, headers, body: JSON.stringify(body) }, o.timeoutMs),
      );
    },

    lookupRefusal: (creds) => limits.refusal(creds, "users/lookup"),
    sendRefusal: (creds) => limits.refusal(creds, "events/new"),
  };
}

function isUser(u: unknown): u is XUser {
  const user = u as XUser | null;
  return !!user && typeof user.id_str === "string" && /^[0-9]+$/.test(user.id_str) && typeof user.screen_name === "string";
}
