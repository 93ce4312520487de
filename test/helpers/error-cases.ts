import type { AppDeps } from "../../src/app";
import type { ErrorKind } from "../../src/core/errors";
import type { SandboxFault, SandboxOptions } from "../../src/sandbox/sandbox-app";
import { DEMO, encodePairs, signLegacyCall } from "./legacy-client";
import { PROXY, startHarness, type Harness } from "./harness";

/**
 * Every error a legacy client can meet, as a request to one dialect's `direct_messages/new`: the same cases for
 * each dialect and format, so that each dialect test only states what its own document says.
 */
export interface ErrorCase {
  name: string;
  kind: ErrorKind;
  sandbox?: Partial<SandboxOptions>;
  app?: Partial<AppDeps>;
  fault?: SandboxFault;
  /** Sent once before the request under test (the replay case sends the same request twice). */
  sendTwice?: boolean;
  /** The path this case calls instead of the route, given the route without extension and the format. */
  path?: (route: string, format: string) => string;
  request: (url: string, query: Record<string, string>) => Request;
}

const FORM = "application/x-www-form-urlencoded";
const withQuery = (url: string, q: Record<string, string>) => `${url}?${encodePairs(q)}`;
const signed =
  (form: Record<string, string>, extra: Partial<Parameters<typeof signLegacyCall>[0]> = {}) =>
  (url: string, query: Record<string, string>) =>
    signLegacyCall({ url, query, form, ...extra });
const SEND = { user: "dougw", text: "hello" };

export const ERROR_CASES: readonly ErrorCase[] = [
  {
    name: "no credentials",
    kind: "auth_missing",
    request: (url, q) => new Request(withQuery(url, q), { method: "POST", headers: { "content-type": FORM }, body: encodePairs(SEND) }),
  },
  { name: "a wrong OAuth token secret", kind: "auth_invalid", request: signed(SEND, { creds: { ...DEMO, tokenSecret: "guess" } }) },
  {
    name: "a wrong Basic password",
    kind: "auth_invalid",
    request: (url, q) =>
      new Request(withQuery(url, q), {
        method: "POST",
        headers: { authorization: `Basic ${btoa("demo:wrong")}`, "content-type": FORM },
        body: encodePairs(SEND),
      }),
  },
  { name: "a stale timestamp", kind: "auth_timestamp", request: signed(SEND, { timestamp: Math.floor(Date.now() / 1000) - 3600 }) },
  { name: "a replayed request", kind: "auth_replay", sendTwice: true, request: signed(SEND, { nonce: "replayed-nonce-1" }) },
  { name: "no recipient", kind: "param_missing", request: signed({ text: "hello" }) },
  { name: "a user_id that is not a number", kind: "param_invalid", request: signed({ user_id: "abc", text: "hello" }) },
  { name: "no text", kind: "text_missing", request: signed({ user: "dougw" }) },
  { name: "text over 10,000 characters", kind: "text_too_long", request: signed({ user: "dougw", text: "a".repeat(10_001) }) },
  { name: "an unknown recipient", kind: "recipient_not_found", request: signed({ user: "nobody_by_this_name", text: "hello" }) },
  { name: "a recipient who does not follow the sender", kind: "recipient_refused", request: signed({ user: "lonely_heart", text: "hello" }) },
  {
    name: "the same text twice (X code 151)",
    kind: "duplicate",
    fault: {
      kind: "status",
      status: 403,
      body: JSON.stringify({ errors: [{ code: 151, message: "There was an error sending your message: Whoops! You already said that." }] }),
    },
    request: signed(SEND),
  },
  { name: "the sender's daily limit", kind: "rate_limited", sandbox: { dailyLimitPerUser: 0 }, request: signed(SEND) },
  {
    name: "an unknown method under the dialect's path",
    kind: "route_not_found",
    path: (route, format) => route.replace(/new$/, `show.${format}`),
    request: signed(SEND),
  },
  { name: "a GET", kind: "method_not_allowed", request: (url, q) => new Request(withQuery(url, q)) },
  { name: "a body over MAX_BODY_BYTES", kind: "body_too_large", app: { maxBodyBytes: 1_024 }, request: signed({ user: "dougw", text: "a".repeat(2_000) }) },
  {
    name: "a JSON body",
    kind: "unsupported_media_type",
    request: (url, q) => new Request(withQuery(url, q), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(SEND) }),
  },
  { name: "an upstream that hangs", kind: "upstream_timeout", app: { upstreamTimeoutMs: 200 }, fault: { kind: "hang" }, request: signed(SEND) },
  { name: "an upstream that is down", kind: "upstream_unreachable", app: { upstreamUrl: "http://127.0.0.1:1" }, request: signed(SEND) },
  { name: "an upstream answering garbage", kind: "upstream_bad_response", fault: { kind: "garbage" }, request: signed(SEND) },
  {
    name: "an upstream error X gives no meaning to (500, code 131)",
    kind: "upstream_error",
    fault: { kind: "status", status: 500, body: JSON.stringify({ errors: [{ code: 131, message: "Internal error" }] }) },
    request: signed(SEND),
  },
  {
    name: "a request that arrives while the gateway drains",
    kind: "unavailable",
    app: { lifecycle: { draining: () => true, maySend: () => false } },
    request: signed(SEND),
  },
];

export interface ErrorAnswer {
  response: Response;
  body: string;
  /** The path and query the client called, as the error document must echo it. */
  requestPath: string;
  harness: Harness;
}

/** Runs one case against a fresh proxy and sandbox; the caller closes `harness`. */
export async function runErrorCase(c: ErrorCase, route: string, format: "json" | "xml", app: Partial<AppDeps> = {}): Promise<ErrorAnswer> {
  const harness = await startHarness({ sandbox: c.sandbox, app: { ...app, ...c.app } });
  if (c.fault) harness.sandbox.setFault("direct_messages/events/new", c.fault);
  const path = c.path ? c.path(route, format) : `${route}.${format}`;
  const query = { source: "app-key-123" };
  const request = c.request(PROXY + path, query);
  if (c.sendTwice) {
    const first = await harness.call(request.clone());
    if (first.status !== 200) throw new Error(`the first of two identical requests failed: ${first.status}`);
  }
  const response = await harness.call(request);
  return { response, body: await response.text(), requestPath: `${path}?${encodePairs(query)}`, harness };
}
