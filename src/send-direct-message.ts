import { authenticate, type AuthContext } from "./auth/authenticate";
import { toDirectMessage } from "./core/direct-message";
import { BridgeError } from "./core/errors";
import { buildMessageCreateEvent } from "./core/event-body";
import { parseMessageExtras } from "./core/message-extras";
import type { Dialect, Rendered, RequestContext } from "./dialects/dialect";
import { decodeUtf8Strict, parseForm, parseQuery } from "./http/form";
import { mediaTypeOf, type IncomingCall } from "./http/incoming-call";
import { rateLimitHeaders } from "./dialects/rate-limit-headers";
import type { Param } from "./oauth/signature";
import { tokenUserId, type XUser } from "./core/x-types";
import type { XApi } from "./upstream/x-api";
import { sendWithinBudget, type SendBudget } from "./auth/send-budget";
import { couldExist, type UserDirectory } from "./users/user-directory";

export interface SendServices {
  auth: AuthContext;
  budget: SendBudget | undefined;
  /** Throws when no send may start now (a drain whose deadline a send could outlast): nothing has been sent. */
  admitSend?: () => void;
  users: UserDirectory;
  xApi: XApi;
  maxBodyBytes: number;
  publicBaseUrl: string | undefined;
  trustForwardedHeaders: boolean;
}

/** What the request log reports of the upstream side. */
export interface Trace {
  upstreamStatus?: number;
}

/** One legacy `direct_messages/new` call: read, authenticate, resolve, send once, render. */
export async function sendDirectMessage(call: IncomingCall, dialect: Dialect, ctx: RequestContext, services: SendServices, trace: Trace): Promise<Rendered> {
  const params = await readParams(call, services.maxBodyBytes);
  const creds = await authenticate(
    {
      method: call.method,
      url: signedUrl(call, services.publicBaseUrl, services.trustForwardedHeaders),
      authorization: call.header("authorization"),
      params,
    },
    services.auth,
  );
  const legacy = dialect.parseRequest(params);
  const extras = parseMessageExtras(params);
  // A message that cannot go costs no lookup either.
  const refused = services.xApi.sendRefusal(creds);
  if (refused) throw refused;
  // The sender's profile, asked for now so that it rides in the recipient's users/lookup call; never the send's error.
  // Not for a recipient that cannot exist: its 404 comes at once, and costs no call.
  const senderHint = couldExist(legacy.recipient) ? tokenUserId(creds.token) : undefined;
  const early = senderHint ? services.users.resolve({ by: "id", value: senderHint }, creds).catch(() => undefined) : undefined;
  let recipient: XUser;
  let answer: Awaited<ReturnType<XApi["sendMessage"]>>;
  try {
    recipient = await services.users.resolve(legacy.recipient, creds);
    const event = buildMessageCreateEvent(recipient.id_str, legacy.text, extras);
    services.admitSend?.();
    answer = await sendWithinBudget(services.budget, creds, () => services.xApi.sendMessage(creds, event));
  } catch (err) {
    // Answered only once the prefetch settled, on every path: on Workers what a request started is cancelled when
    // it answers, and a later request that joined that lookup would wait for it forever.
    await early;
    throw err;
  }
  trace.upstreamStatus = answer.status;
  const { senderId } = answer.message;
  const prefetched = await early;
  // The message is out: from here on, a failed lookup of the sender must not read as a failed send.
  const known = senderId === senderHint ? prefetched : await services.users.resolve({ by: "id", value: senderId }, creds).catch(() => undefined);
  const sender = known ?? placeholderUser(senderId);
  const rendered = dialect.renderMessage(toDirectMessage(answer.message, sender, recipient), ctx);
  // The client sees its DM quota as the upstream counts it, under its dialect's header names.
  if (answer.headers) rendered.headers = { ...rendered.headers, ...rateLimitHeaders(answer.headers, dialect.rateLimitHeaderNames) };
  return rendered;
}

async function readParams(call: IncomingCall, maxBodyBytes: number): Promise<Param[]> {
  const query = parseQuery(call.url);
  const bytes = await call.body(maxBodyBytes);
  if (bytes.byteLength === 0) return query;
  const type = mediaTypeOf(call);
  // Clients that send a body without a type mean a form: RFC 5849 signs it as one when the client did.
  if (type !== "" && type !== "application/x-www-form-urlencoded") throw new BridgeError("unsupported_media_type");
  return [...query, ...parseForm(decodeUtf8Strict(bytes))];
}

/**
 * The URL the client signed: the configured public base URL, else the forwarded scheme and host when the operator
 * said a trusted proxy sets them, else what the proxy saw. A client-chosen header is never believed by default.
 */
export function signedUrl(call: IncomingCall, publicBaseUrl: string | undefined, trustForwarded: boolean): URL {
  // Parsed once here and handed to the signature check as it is, which would otherwise parse its href again.
  const url = new URL(call.url);
  if (publicBaseUrl) return new URL(publicBaseUrl + url.pathname + url.search);
  if (trustForwarded) {
    const first = (name: string) => call.header(name)?.split(",")[0]?.trim();
    const proto = first("x-forwarded-proto");
    const host = first("x-forwarded-host");
    if (proto === "http" || proto === "https") url.protocol = `${proto}:`;
    if (host && /^[A-Za-z0-9.-]+(:[0-9]{1,5})?$/.test(host)) url.host = host;
  }
  return url;
}

/** The sender as far as the answer names it, when looking it up failed after the send. */
function placeholderUser(id: string): XUser {
  return { id: Number(id), id_str: id, name: "", screen_name: "" };
}
