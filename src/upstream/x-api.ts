import type { SentMessage } from "../core/direct-message";
import { BridgeError } from "../core/errors";
import { isXId, type XEventResponse, type XMessageData, type XNewEventRequest, type XUser } from "../core/x-types";
import type { HmacSha1, OAuthCredentials, Param } from "../oauth/signature";
import { createRateLimits, withinQuota, type RateLimits } from "./rate-limits";
import { fetchUpstreamJson, type FetchLike, type UpstreamAnswer } from "./upstream-fetch";
import { createUpstreamSigner } from "./upstream-signer";
import type { LookupBy, LookupUsers } from "../users/lookup-batcher";

export interface XApi {
  lookupUsers: LookupUsers;
  /** Sends once; an answer that does not say what was sent is `upstream_bad_response` with the upstream's status. */
  sendMessage(creds: OAuthCredentials, body: XNewEventRequest): Promise<SendAnswer>;
  /** While the caller's quota for the lookup's endpoint is spent: the error to answer at once, without a call. */
  lookupRefusal(creds: OAuthCredentials, by: LookupBy): BridgeError | undefined;
  /** The same for sending, checked before anything else is spent on a message that cannot go. */
  sendRefusal(creds: OAuthCredentials): BridgeError | undefined;
}

/** An accepted send: the message the upstream recorded, with the answer's status and the headers to pass back. */
export interface SendAnswer extends Omit<UpstreamAnswer, "json"> {
  message: SentMessage;
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

export function createXApi(options: XApiOptions): XApi {
  const { endpoint, authorize } = createUpstreamSigner(options);
  const eventsUrl = endpoint("/1.1/direct_messages/events/new.json");
  const limits = options.rateLimits ?? createRateLimits({ clock: options.clock });

  return {
    // Names and ids in one call: users/lookup takes `screen_name` and `user_id` together (100 values in all).
    async lookupUsers(creds, { screen_name, user_id }) {
      const query: Param[] = [];
      if (screen_name.length > 0) query.push(["screen_name", screen_name.join(",")]);
      if (user_id.length > 0) query.push(["user_id", user_id.join(",")]);
      query.push(["include_entities", "false"]);
      const url = endpoint("/1.1/users/lookup.json", query);
      const headers = { authorization: await authorize("GET", url, query, creds), accept: "application/json" };
      const { json } = await withinQuota(limits, creds, "users/lookup", () =>
        fetchUpstreamJson(options.fetch, { method: "GET", url: url.href, headers }, options.timeoutMs),
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
      const answer = await withinQuota(limits, creds, "events/new", () =>
        fetchUpstreamJson(options.fetch, { method: "POST", url: eventsUrl.href, headers, body: JSON.stringify(body) }, options.timeoutMs),
      );
      // Read outside withinQuota, which keeps the quota from the answer's headers; an error about the body has none.
      const message = sentMessageOfEvent(answer, body.event.message_create.target.recipient_id);
      return { status: answer.status, headers: answer.headers, message };
    },

    lookupRefusal: (creds) => limits.refusal(creds, "users/lookup"),
    sendRefusal: (creds) => limits.refusal(creds, "events/new"),
  };
}

/**
 * The message a v1.1 `events/new` answer says was sent, checked before it is trusted. A malformed event is the
 * upstream's fault (502), and keeps its status: after a 2xx the client is told the message may have gone out.
 */
export function sentMessageOfEvent(answer: UpstreamAnswer, recipientId: string): SentMessage {
  const event = (answer.json as Partial<XEventResponse> | null | undefined)?.event;
  const messageCreate = event?.message_create;
  const createdAtMs = Number(event?.created_timestamp);
  const senderId = messageCreate?.sender_id;
  if (!event || !messageCreate || !isXId(event.id) || !Number.isFinite(createdAtMs) || !isXId(senderId)) {
    throw new BridgeError("upstream_bad_response", { upstreamStatus: answer.status });
  }
  const data: Partial<XMessageData> | undefined = messageCreate.message_data;
  return {
    id: event.id,
    createdAtMs,
    senderId,
    recipientId,
    text: typeof data?.text === "string" ? data.text : "",
    entities: {
      hashtags: data?.entities?.hashtags ?? [],
      symbols: data?.entities?.symbols ?? [],
      user_mentions: data?.entities?.user_mentions ?? [],
      urls: data?.entities?.urls ?? [],
    },
  };
}

function isUser(value: unknown): value is XUser {
  const user = value as XUser | null;
  return !!user && typeof user.id_str === "string" && /^[0-9]+$/.test(user.id_str) && typeof user.screen_name === "string";
}
