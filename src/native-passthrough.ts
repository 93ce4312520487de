import { authenticate } from "./auth/authenticate";
import { sendWithinBudget } from "./auth/send-budget";
import { BridgeError } from "./core/errors";
import { parseQuery } from "./http/form";
import { readBodyLimited } from "./http/read-body";
import { signedUrl, type SendServices, type Trace } from "./send-direct-message";
import { fetchWithDeadline, type FetchLike } from "./upstream/upstream-fetch";
import type { UpstreamSigner } from "./upstream/upstream-signer";

/** The native events endpoint, served on the proxy's base URL so that a half-migrated app needs only one. */
export const NATIVE_EVENTS_PATH = "/1.1/direct_messages/events/new.json";

const PASSED_BACK = ["content-type", "x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset", "retry-after"];

export interface PassthroughServices {
  fetch: FetchLike;
  signer: UpstreamSigner;
  timeoutMs: number;
}

/**
 * Verifies the caller like a legacy call, then forwards the JSON body byte for byte to the same path upstream,
 * signed again with the caller's consumer and token, and passes the answer back as it came. Never retried.
 */
export async function passThroughNativeEvent(request: Request, s: SendServices, up: PassthroughServices, trace: Trace): Promise<Response> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") throw new BridgeError("unsupported_media_type");
  const body = await readBodyLimited(request, s.maxBodyBytes);
  // A JSON body is not signed (RFC 5849 3.4.1.3.1): only the query string's parameters are.
  const query = parseQuery(request.url);
  const creds = await authenticate(
    {
      method: request.method,
      url: signedUrl(request, s.publicBaseUrl, s.trustForwardedHeaders),
      authorization: request.headers.get("authorization"),
      params: query,
    },
    s.auth,
  );

  const forwardedQuery = query.filter(([n]) => !n.startsWith("oauth_"));
  const url = up.signer.endpoint(NATIVE_EVENTS_PATH, forwardedQuery);
  const forward = {
    method: "POST" as const,
    url: url.href,
    headers: {
      authorization: await up.signer.authorize("POST", url, forwardedQuery, creds),
      "content-type": request.headers.get("content-type")!,
      accept: "application/json",
    },
    body,
  };
  s.admitSend?.();
  const { response, body: answer } = await sendWithinBudget(
    s.budget,
    creds,
    () => fetchWithDeadline(up.fetch, forward, up.timeoutMs, (r) => r.arrayBuffer()),
    ({ response }) => response.status >= 400,
  );
  trace.upstreamStatus = response.status;
  const headers = new Headers();
  for (const name of PASSED_BACK) {
    const v = response.headers.get(name);
    if (v !== null) headers.set(name, v);
  }
  return new Response(answer, { status: response.status, headers });
}
