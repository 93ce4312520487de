import { BridgeError } from "../core/errors";
import { parseOAuthHeader } from "../oauth/authorization-header";
import { computeSignature, constantTimeEqual, type HmacSha1, type OAuthCredentials, type Param } from "../oauth/signature";
import type { CredentialStore } from "./credential-store";
import type { NonceStore } from "./nonce-store";

export interface IncomingRequest {
  method: string;
  /** The URL the client signed: as received, or rebuilt on the configured public base URL. */
  url: string | URL;
  authorization: string | null;
  /** Query and form-body parameters, in the order received. */
  params: readonly Param[];
}

export interface AuthContext {
  credentials: CredentialStore;
  nonces: NonceStore;
  hmac: HmacSha1;
  clock: () => number;
  timestampWindowSec: number;
}

/** Clients send 32 to 64 characters; RFC 5849 sets no limit, so this one is generous. */
const MAX_NONCE_LENGTH = 256;

const REQUIRED = ["oauth_consumer_key", "oauth_token", "oauth_signature", "oauth_timestamp", "oauth_nonce"] as const;

/** Verifies the caller and returns the credentials to sign the upstream call with. */
export async function authenticate(req: IncomingRequest, ctx: AuthContext): Promise<OAuthCredentials> {
  const header = req.authorization?.trim() ?? "";
  if (/^basic\s/i.test(header)) return authenticateBasic(header, ctx.credentials);
  const fromHeader = /^oauth\s/i.test(header) ? parseOAuthHeader(header) : undefined;
  if (/^oauth\s/i.test(header) && !fromHeader) throw new BridgeError("auth_invalid");
  // RFC 5849 3.5.2/3.5.3 also allow the protocol parameters in the query or form body.
  const oauth = fromHeader ?? req.params.filter(([n]) => n.startsWith("oauth_"));
  if (oauth.length === 0) throw new BridgeError("auth_missing");
  return authenticateOAuth(req, oauth, fromHeader !== undefined, ctx);
}

async function authenticateOAuth(req: IncomingRequest, oauth: readonly Param[], inHeader: boolean, ctx: AuthContext): Promise<OAuthCredentials> {
  const p = new Map<string, string>();
  for (const [n, v] of oauth) {
    if (p.has(n)) throw new BridgeError("auth_invalid");
    p.set(n, v);
  }
  if (REQUIRED.some((n) => !p.get(n))) throw new BridgeError("auth_invalid");
  // Every accepted nonce is remembered for the window: its length is the client's to choose, the memory is ours.
  if (p.get("oauth_nonce")!.length > MAX_NONCE_LENGTH) throw new BridgeError("auth_invalid");
  const method = p.get("oauth_signature_method") ?? "HMAC-SHA1";
  const version = p.get("oauth_version");
  // npm `oauth` sends 1.0A; anything else is a protocol we do not speak.
  if (method !== "HMAC-SHA1" || (version !== undefined && version.toUpperCase() !== "1.0" && version.toUpperCase() !== "1.0A")) {
    throw new BridgeError("auth_invalid");
  }
  const consumerKey = p.get("oauth_consumer_key")!;
  const token = p.get("oauth_token")!;
  const consumerSecret = ctx.credentials.consumerSecret(consumerKey);
  const tokenSecret = ctx.credentials.tokenSecret(token);
  if (consumerSecret === undefined || tokenSecret === undefined) throw new BridgeError("auth_invalid");

  const timestamp = p.get("oauth_timestamp")!;
  const skew = Math.abs(ctx.clock() / 1000 - Number(timestamp));
  if (!/^[0-9]{1,12}$/.test(timestamp) || skew > ctx.timestampWindowSec) throw new BridgeError("auth_timestamp");

  const signed = [...req.params, ...(inHeader ? oauth : [])].filter(([n]) => n !== "oauth_signature" && n !== "realm");
  const expected = await computeSignature(ctx.hmac, req.method, req.url, signed, consumerSecret, tokenSecret);
  if (!constantTimeEqual(expected, p.get("oauth_signature")!)) throw new BridgeError("auth_invalid");

  const replayKey = `${signerOf(consumerKey, token)}\n${p.get("oauth_nonce")}\n${timestamp}`;
  // Remembered until its timestamp leaves the window; after that the timestamp check refuses a replay by itself.
  const ttlMs = Math.max(1_000, (Number(timestamp) + ctx.timestampWindowSec) * 1000 - ctx.clock());
  if (!(await ctx.nonces.remember(replayKey, ttlMs))) throw new BridgeError("auth_replay");
  return { consumerKey, consumerSecret, token, tokenSecret };
}

/**
 * Who signed: the start of every replay key (`consumer key, token, nonce, timestamp`, one a line). Neither part holds
 * a line break: both name credentials the operator configured.
 */
export function signerOf(consumerKey: string, token: string): string {
  return `${consumerKey}\n${token}`;
}

/** The signer a replay key starts with, so a store can keep a token's nonces together. */
export function signerOfReplayKey(key: string): string {
  return key.slice(0, key.indexOf("\n", key.indexOf("\n") + 1));
}

const BASIC = { scheme: "basic" } as const;

function authenticateBasic(header: string, store: CredentialStore): OAuthCredentials {
  let decoded: string;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(atob(header.replace(/^basic\s+/i, "")), (c) => c.charCodeAt(0)));
  } catch {
    throw new BridgeError("auth_invalid", BASIC);
  }
  const colon = decoded.indexOf(":");
  const account = colon < 0 ? undefined : store.basicAccount(decoded.slice(0, colon));
  // Compare even for an unknown user, so the time taken does not say which users exist.
  const ok = constantTimeEqual(account?.password ?? "\u0000unknown-user", decoded.slice(colon + 1));
  if (!account || !ok) throw new BridgeError("auth_invalid", BASIC);
  const consumerSecret = store.consumerSecret(account.consumerKey);
  const tokenSecret = store.tokenSecret(account.token);
  if (consumerSecret === undefined || tokenSecret === undefined) throw new BridgeError("auth_invalid", BASIC);
  return { consumerKey: account.consumerKey, consumerSecret, token: account.token, tokenSecret };
}
