import { authenticate } from "./auth/authenticate";
import { sendWithinBudget } from "./auth/send-budget";
import { BridgeError, PASSED_BACK_HEADERS } from "./core/errors";
import type { Answer } from "./dialects/response";
import { parseQuery } from "./http/form";
import { callOfRequest, mediaTypeOf } from "./http/incoming-call";
import { signedUrl, type SendServices, type Trace } from "./send-direct-message";
import { fetchWithDeadline, type FetchLike } from "./upstream/upstream-fetch";
import type { UpstreamSigner } from "./upstream/upstream-signer";

/** The native events endpoint, served on the proxy's base URL so that a half-migrated app needs only one. */
export const NATIVE_EVENTS_PATH = "/1.1/direct_messages/events/new.json";

/** The upstream answer's headers the client gets: its own type, then what every error passes back too. */
const NATIVE_PASSED_BACK = ["content-type", ...PASSED_BACK_HEADERS];

export interface PassthroughServices {
  fetch: FetchLike;
  signer: UpstreamSigner;
  timeoutMs: number;
}

/**
 * Verifies the caller like a legacy call, then forwards the JSON body byte for byte to the same path upstream,
 * signed again with the caller's consumer and token, and passes the answer back as it came. Never retried.
 */
export async function passThroughNativeEvent(request: Request, services: SendServices, upstream: PassthroughServices, trace: Trace): Promise<Answer> {
  const call = callOfRequest(request);
  if (mediaTypeOf(call) !== "application/json") throw new BridgeError("unsupported_media_type");
  const body = await call.body(services.maxBodyBytes);
  // A JSON body is not signed (RFC 5849 3.4.1.3.1): only the query string's parameters are.
  const query = parseQuery(call.url);
  const creds = await authenticate(
    {
      method: call.method,
      url: signedUrl(call, services.publicBaseUrl, services.trustForwardedHeaders),
      authorization: call.header("authorization"),
      params: query,
    },
    services.auth,
  );

  const forwardedQuery = query.filter(([n]) => !n.startsWith("oauth_"));
  const url = upstream.signer.endpoint(NATIVE_EVENTS_PATH, forwardedQuery);
  const forward = {
    method: "POST" as const,
    url: url.href,
    headers: {
      authorization: await upstream.signer.authorize("POST", url, forwardedQuery, creds),
      "content-type": call.header("content-type")!,
      accept: "application/json",
    },
    body,
  };
  services.admitSend?.();
  const { response, body: answer } = await sendWithinBudget(
    services.budget,
    creds,
    () => fetchWithDeadline(upstream.fetch, forward, upstream.timeoutMs, (r) => r.arrayBuffer()),
    ({ response }) => response.status >= 400,
  );
  trace.upstreamStatus = response.status;
  const headers: Record<string, string> = {};
  for (const name of NATIVE_PASSED_BACK) {
    const value = response.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return { status: response.status, headers, body: answer };
}
