import { createHmac } from "node:crypto";
import { createWriteStream } from "node:fs";
import { createHeaderTemplate } from "../src/oauth/header-template";
import type { HmacSha1, OAuthCredentials, Param } from "../src/oauth/signature";
import { DEMO_CREDENTIALS } from "../src/sandbox/sandbox-users";

/** The message every benchmark sends, to a recipient the sandbox knows. */
export const BENCH_TEXT = "Meet me behind the cafeteria after school";
export const BENCH_RECIPIENT = { id: "38895958", screenName: "theSeanCook" };

/** A form encoded the RFC 3986 way (a space is %20), as the signature's parameters read it. */
export function encodeForm(form: readonly Param[]): string {
  return new URLSearchParams(form.map(([k, v]) => [k, v])).toString().replace(/\+/g, "%20");
}

/** The legacy call's form and its body. */
export const LEGACY_FORM: [string, string][] = [
  ["screen_name", BENCH_RECIPIENT.screenName],
  ["text", BENCH_TEXT],
];
export const LEGACY_BODY = encodeForm(LEGACY_FORM);

/** The sandbox's first demo consumer and token: what the benchmarks' clients sign with. */
const consumerKey = Object.keys(DEMO_CREDENTIALS.consumers)[0] as keyof typeof DEMO_CREDENTIALS.consumers;
const token = Object.keys(DEMO_CREDENTIALS.tokens)[0] as keyof typeof DEMO_CREDENTIALS.tokens;
export const DEMO_SIGNER: OAuthCredentials = {
  consumerKey,
  consumerSecret: DEMO_CREDENTIALS.consumers[consumerKey],
  token,
  tokenSecret: DEMO_CREDENTIALS.tokens[token],
};

export const nodeHmacSha1 = (key: string, data: string) => createHmac("sha1", key).update(data).digest("base64");

/** What every request of one benchmark phase shares; only the nonce differs from one request to the next. */
export interface SignedRequestTemplate {
  /** The URL as the receiver will rebuild it from its Host header: that is the URL it verifies against. */
  url: string;
  /** Form parameters, which OAuth signs (a JSON body is not signed). */
  form?: readonly Param[];
  creds: OAuthCredentials;
  /** Seconds. Shared by the whole file, so a file must be sent within the receiver's timestamp window. */
  timestamp: number;
}

const NONCE = /^[0-9A-Za-z]{8,64}$/;

/**
 * Returns nonce -> Authorization header, through the proxy's own header template (`src/oauth/header-template.ts`):
 * the base string is built once and only the nonce is spliced in, so signing a million requests costs a million
 * HMACs and little else. The template's splice is checked against oauth-1.0a's full signing in test/oauth.
 */
export function createRequestSigner(t: SignedRequestTemplate, hmac: (key: string, data: string) => string) {
  const template = createHeaderTemplate("POST", t.url, t.form ?? [], t.creds);
  return (nonce: string): string => {
    if (!NONCE.test(nonce)) throw new Error(`nonce must be 8-64 letters or digits: ${nonce}`);
    return template(nonce, String(t.timestamp), hmac) as string;
  };
}

/** The legacy call to `url` signed by the demo client, stamped now: for runs that sign just before they send. */
export function signLegacyNow(url: string): (nonce: string) => string {
  return createRequestSigner({ url, form: LEGACY_FORM, creds: DEMO_SIGNER, timestamp: Math.floor(Date.now() / 1000) }, nodeHmacSha1);
}

let nonceCount = 0;

/**
 * One legacy call to `url`, signed as a client would (by the demo client unless `creds` says otherwise), for the
 * scripts that send requests one at a time (the soak, measure:cpu). The tests sign with the oauth-1.0a package
 * instead (test/helpers/legacy-client.ts), so that the proxy's verification is checked by other code than its own.
 */
export function signedLegacyRequest(o: { url: string; form: Record<string, string>; creds?: OAuthCredentials; nonce?: string; timestamp?: number }): Request {
  const form = Object.entries(o.form);
  const timestamp = o.timestamp ?? Math.floor(Date.now() / 1000);
  const sign = createRequestSigner({ url: o.url, form, creds: o.creds ?? DEMO_SIGNER, timestamp }, nodeHmacSha1);
  const nonce = o.nonce ?? `n${process.pid}x${Date.now().toString(36)}x${(nonceCount++).toString(36)}`;
  const headers = { authorization: sign(nonce), "content-type": "application/x-www-form-urlencoded" };
  return new Request(o.url, { method: "POST", headers, body: encodeForm(form) });
}

/** One request per line, `authorization<TAB>body`, as bench/requests.lua reads them. */
export function formatRequestLine(authorization: string, body: string): string {
  if (/[\t\n]/.test(authorization + body)) throw new Error("a request line cannot hold a tab or a newline");
  return `${authorization}\t${body}\n`;
}

/** Writes `count` requests with nonces `<prefix><index>`, in large chunks. */
export async function writeRequestFile(path: string, count: number, sign: (nonce: string) => string, body: string, noncePrefix: string): Promise<void> {
  const out = createWriteStream(path);
  let chunk = "";
  for (let i = 0; i < count; i++) {
    chunk += formatRequestLine(sign(noncePrefix + i.toString(36).padStart(6, "0")), body);
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
      chunk = "";
    }
  }
  out.end(chunk);
  await new Promise<void>((resolve, reject) => out.on("finish", resolve).on("error", reject));
}

export type { HmacSha1 };
