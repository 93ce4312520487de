import type { SentMessage } from "../core/direct-message";
import { BridgeError } from "../core/errors";
import { isXId, SCREEN_NAME, tokenUserId, type XUser } from "../core/x-types";
import type { OAuthCredentials, Param } from "../oauth/signature";
import { createRateLimits, withinQuota, type LimitedEndpoint } from "./rate-limits";
import { fetchUpstreamJson, passedBackHeaders, type UpstreamResponse } from "./upstream-fetch";
import { createUpstreamSigner } from "./upstream-signer";
import { isV2User, toLegacyUser, V2_USER_FIELDS } from "./v2-user";
import type { XApi, XApiOptions } from "./x-api";
import type { LookupBy, LookupQuery, LookupUsers } from "../users/lookup-batcher";

/** The answer of `POST /2/dm_conversations/with/:participant_id/messages`, mirroring the JSON. */
export interface XV2MessageCreated {
  data: { dm_conversation_id: string; dm_event_id: string };
}

/**
 * The XApi on the X API v2: messages through `POST /2/dm_conversations/with/:participant_id/messages`, users
 * through `GET /2/users/by` and `GET /2/users`, both mapped back into the v1.1 shapes the rest of the proxy uses.
 */
export function createXApiV2(options: XApiOptions): XApi {
  const { endpoint, authorize } = createUpstreamSigner(options);
  const limits = options.rateLimits ?? createRateLimits({ clock: options.clock });

  async function get(path: string, query: Param[], creds: OAuthCredentials, quota?: LimitedEndpoint): Promise<unknown> {
    const url = endpoint(path, query);
    const headers = { authorization: await authorize("GET", url, query, creds), accept: "application/json" };
    const call = () => fetchUpstreamJson(options.fetch, { method: "GET", url: url.href, headers }, options.timeoutMs, toV2Error);
    return (await (quota ? withinQuota(limits, creds, quota, call) : call())).json;
  }

  async function senderOf(conversationId: unknown, recipientId: string, creds: OAuthCredentials): Promise<string> {
    // A one-to-one conversation id is the two participants' ids: the sender is the one that is not the recipient.
    const pair = typeof conversationId === "string" ? /^([0-9]{1,20})-([0-9]{1,20})$/.exec(conversationId) : null;
    if (pair) return pair[1] === recipientId ? pair[2]! : pair[1]!;
    // X access tokens start with their user's id; asking /2/users/me is the last resort, after the send.
    const owner = tokenUserId(creds.token);
    if (owner) return owner;
    const me = ((await get("/2/users/me", [], creds)) as { data?: unknown }).data;
    if (!isV2User(me)) throw new BridgeError("upstream_bad_response");
    return me.id;
  }

  async function lookupKind(creds: OAuthCredentials, by: LookupBy, values: readonly string[]): Promise<XUser[]> {
    const fields: Param = ["user.fields", V2_USER_FIELDS];
    let json: unknown;
    if (by === "user_id") {
      // Only an id (isXId) or a name of SCREEN_NAME's form enters a path: one bad value would fail a whole batch.
      const ids = values.filter(isXId);
      if (ids.length === 0) return [];
      json = await get("/2/users", [["ids", ids.join(",")], fields], creds, "users/lookup");
    } else {
      const names = values.filter((v) => SCREEN_NAME.test(v));
      if (names.length === 0) return [];
      // One name goes to users/show, unless that quota is spent and users/lookup's is not.
      json =
        names.length === 1 && !(limits.refusal(creds, "users/show") && !limits.refusal(creds, "users/lookup"))
          ? await get(`/2/users/by/username/${names[0]}`, [fields], creds, "users/show")
          : await get("/2/users/by", [["usernames", names.join(",")], fields], creds, "users/lookup");
    }
    // v2 answers 200 with only `errors` when nobody was found; a single lookup's `data` is an object.
    const data = (json as { data?: unknown } | undefined)?.data;
    const list = data === undefined ? [] : Array.isArray(data) ? data : [data];
    return list.filter(isV2User).map(toLegacyUser);
  }

  // v2 cannot mix names and ids in one call: the batcher is told to keep them apart (`oneKindPerCall`), and a query
  // of both kinds, should one come, is two calls.
  const lookupUsers: LookupUsers = Object.assign(
    async (creds: OAuthCredentials, query: LookupQuery) =>
      (await Promise.all([lookupKind(creds, "screen_name", query.screen_name), lookupKind(creds, "user_id", query.user_id)])).flat(),
    { oneKindPerCall: true },
  );

  return {
    lookupUsers,

    async sendMessage(creds, body) {
      const { target, message_data: data } = body.event.message_create;
      // v2 has no quick replies: refuse before sending rather than deliver the message without them.
      if (data.quick_reply) throw new BridgeError("param_invalid", { param: "quick_reply_options" });
      const url = endpoint(`/2/dm_conversations/with/${target.recipient_id}/messages`);
      const request = {
        method: "POST" as const,
        url: url.href,
        headers: { authorization: await authorize("POST", url, [], creds), "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ text: data.text, ...(data.attachment ? { attachments: [{ media_id: data.attachment.media.id }] } : {}) }),
      };
      // Never retried: after an ambiguous failure the message may already be delivered.
      const answer = await withinQuota(limits, creds, "events/new", () => fetchUpstreamJson(options.fetch, request, options.timeoutMs, toV2Error));
      // v2 does not say when; the answer's arrival is the closest the proxy knows.
      const createdAtMs = options.clock();
      // From here the message is out: an answer that does not say what was sent keeps the 2xx status, so that the
      // client is told it may have gone out.
      const unreadable = () => new BridgeError("upstream_bad_response", { upstreamStatus: answer.status });
      const created = (answer.json as Partial<XV2MessageCreated> | null)?.data;
      if (!created || !isXId(created.dm_event_id)) throw unreadable();
      const senderId = await senderOf(created.dm_conversation_id, target.recipient_id, creds).catch(() => {
        throw unreadable();
      });
      const message: SentMessage = {
        id: created.dm_event_id,
        createdAtMs,
        senderId,
        recipientId: target.recipient_id,
        text: data.text,
        // v2 answers no entities.
        entities: { hashtags: [], symbols: [], user_mentions: [], urls: [] },
      };
      return { status: answer.status, headers: answer.headers, message };
    },

    // Names are refused only when both endpoints that can look one up are spent.
    lookupRefusal: (creds, by) => {
      const many = limits.refusal(creds, "users/lookup");
      return by === "user_id" || !many ? many : limits.refusal(creds, "users/show") && many;
    },
    sendRefusal: (creds) => limits.refusal(creds, "events/new"),
  };
}

/** v2 problem documents (`title`, `detail`, `type`, `status`) into the error kinds the dialects render. */
export function toV2Error(response: UpstreamResponse, json: unknown): BridgeError {
  const doc = (json ?? {}) as { detail?: unknown; type?: unknown; errors?: { message?: unknown }[] };
  const detail = typeof doc.detail === "string" ? doc.detail : typeof doc.errors?.[0]?.message === "string" ? doc.errors[0].message : undefined;
  const type = typeof doc.type === "string" ? doc.type : "";
  const base = { upstreamStatus: response.status, headers: passedBackHeaders(response) };
  const status = response.status;
  if (status === 401) return new BridgeError("auth_invalid", base);
  if (status === 429) return new BridgeError("rate_limited", base);
  // A 403 that is about the app or its token is not the recipient's refusal.
  if (status === 403 && !/client-forbidden|unsupported-authentication|usage-capped/.test(type)) return new BridgeError("recipient_refused", base);
  if (status === 404 || type.endsWith("/resource-not-found")) return new BridgeError("recipient_not_found", base);
  if (json === undefined) return new BridgeError("upstream_bad_response", base);
  return new BridgeError("upstream_error", { ...base, xMessage: detail });
}
