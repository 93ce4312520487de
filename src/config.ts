import type { CredentialsDocument } from "./auth/credential-store";
import type { UserDirectoryOptions } from "./users/user-directory";

export interface Config {
  port: number;
  /** Undefined in sandbox mode: the adapter starts the built-in sandbox and points the proxy at it. */
  upstreamUrl: string | undefined;
  upstreamTimeoutMs: number;
  upstreamApi: UpstreamApi;
  /** Undefined means "no configuration": run on the sandbox with demo credentials. */
  credentials: CredentialsDocument | undefined;
  /** The origin clients sign against when a TLS terminator or custom domain sits in front. */
  publicBaseUrl: string | undefined;
  timestampWindowSec: number;
  maxBodyBytes: number;
  userCache: UserDirectoryOptions;
  trustForwardedHeaders: boolean;
  /** Daily send budgets; undefined leaves counting to the upstream. */
  dailyLimitPerUser: number | undefined;
  dailyLimitPerApp: number | undefined;
  /** Dialects that serve a path they share: from UNVERSIONED_ERROR_FORM, who answers `/direct_messages/new`. */
  preferredDialects: string[];
  /** Node: worker processes sharing the port (node:cluster); 1 is one process, as without it. */
  webConcurrency: number;
  /** How long a stop signal's drain may take before the process exits anyway (Node). */
  shutdownTimeoutMs: number;
  /** GET /metrics (Prometheus text, Node) is served unless METRICS=off; behind a bearer token when one is set. */
  metrics: { enabled: boolean; token: string | undefined };
  /**
   * Refuse (503) rather than fall back to per-process protection while the shared store (Redis on Node, the Durable
   * Object on Workers) cannot be used; each runtime checks that it has one.
   */
  sharedStateRequired: boolean;
  /** State shared by every replica (nonces, budgets, user cache) in Redis or Valkey; undefined without REDIS_URL. */
  redis: RedisConfig | undefined;
}

export interface RedisConfig {
  /** redis:// or rediss:// (TLS), with user, password and database as the URL gives them. Holds a secret: never log it. */
  url: string;
  /** Put before every key, so that deployments can share one Redis. */
  keyPrefix: string;
  /** Deadline of each command; past it the replica falls back to its own memory. */
  timeoutMs: number;
}

export type UpstreamApi = "v1.1" | "v2";

/** UNVERSIONED_ERROR_FORM: Twitter 1.0's error documents on the unversioned path (the default), or Sina's. */
const UNVERSIONED_FORMS: Record<string, string[]> = { twitter: [], sina: ["sina-weibo"] };

export class ConfigError extends Error {
  override name = "ConfigError";
}

export type Env = Record<string, string | undefined>;

/** Reads and checks the whole configuration up front, so a mistake stops the start with one line naming it. */
export function parseConfig(
  env: Env,
  readFile: (path: string) => string = () => {
    throw new ConfigError("DM_PROXY_CREDENTIALS_FILE is not supported on this runtime");
  },
): Config {
  const credentials = readCredentials(env, readFile);
  const upstreamUrl = env.UPSTREAM_URL ? parseBaseUrl("UPSTREAM_URL", env.UPSTREAM_URL) : undefined;
  if (upstreamUrl && !credentials) {
    throw new ConfigError("UPSTREAM_URL is set but DM_PROXY_CREDENTIALS is not: the proxy has no secrets to sign with");
  }
  const upstreamTimeoutMs = parseInteger(env, "UPSTREAM_TIMEOUT_MS", 10_000, 1, 600_000);
  return {
    port: parseInteger(env, "PORT", 8787, 0, 65535),
    upstreamUrl: upstreamUrl ?? (credentials ? "https://api.x.com" : undefined),
    upstreamTimeoutMs,
    upstreamApi: parseUpstreamApi(env.UPSTREAM_API),
    credentials,
    publicBaseUrl: env.PUBLIC_BASE_URL ? parseBaseUrl("PUBLIC_BASE_URL", env.PUBLIC_BASE_URL) : undefined,
    timestampWindowSec: parseInteger(env, "OAUTH_TIMESTAMP_WINDOW_SEC", 300, 1, 86_400),
    maxBodyBytes: parseInteger(env, "MAX_BODY_BYTES", 65_536, 1_024, 16_777_216),
    trustForwardedHeaders: parseBoolean(env, "TRUST_FORWARDED_HEADERS"),
    dailyLimitPerUser: optionalInteger(env, "DM_DAILY_LIMIT_PER_USER"),
    dailyLimitPerApp: optionalInteger(env, "DM_DAILY_LIMIT_PER_APP"),
    userCache: {
      maxEntries: parseInteger(env, "USER_CACHE_MAX_ENTRIES", 50_000, 1, 10_000_000),
      idTtlMs: parseInteger(env, "USER_ID_TTL_SEC", 3_600, 1, 30 * 86_400) * 1000,
      profileTtlMs: parseInteger(env, "USER_PROFILE_TTL_SEC", 900, 1, 30 * 86_400) * 1000,
      missTtlMs: parseInteger(env, "USER_MISS_TTL_SEC", 60, 1, 86_400) * 1000,
      batchWindowMs: parseInteger(env, "LOOKUP_BATCH_MS", 2, 0, 1_000),
    },
    preferredDialects: parseUnversionedForm(env.UNVERSIONED_ERROR_FORM),
    webConcurrency: parseInteger(env, "WEB_CONCURRENCY", 1, 1, 256),
    // A send that started just before the signal, then the lookup of its sender that may follow, each within the
    // upstream deadline, and a margin to write the answer.
    shutdownTimeoutMs: parseInteger(env, "SHUTDOWN_TIMEOUT_MS", 2 * upstreamTimeoutMs + 2_000, 1, 3_600_000),
    metrics: { enabled: parseOnOff(env, "METRICS"), token: parseToken(env, "METRICS_TOKEN") },
    sharedStateRequired: parseBoolean(env, "SHARED_STATE_REQUIRED"),
    redis: parseRedis(env),
  };
}

function parseOnOff(env: Env, name: string): boolean {
  const raw = (env[name] ?? "").trim().toLowerCase();
  if (raw === "" || raw === "on") return true;
  if (raw === "off") return false;
  throw new ConfigError(`${name} must be on or off, got "${env[name]}"`);
}

function parseToken(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  // The value is a secret: the message names the variable, never the value.
  if (!/^[\x21-\x7e]{16,}$/.test(raw)) throw new ConfigError(`${name} must be at least 16 printable characters without spaces`);
  return raw;
}

const REDIS_SETTINGS = ["REDIS_KEY_PREFIX", "REDIS_TIMEOUT_MS"] as const;

/**
 * 200 ms: a Redis next to the sidecar answers in well under a millisecond, so only a sick one takes this long; and a
 * send waits at most two such deadlines (nonce, budget) before the replica stops asking until Redis answers again.
 */
export const DEFAULT_REDIS_TIMEOUT_MS = 200;

function parseRedis(env: Env): RedisConfig | undefined {
  if (!env.REDIS_URL) {
    // Without the URL these would silently do nothing: an operator who set one believes state is shared.
    const orphan = REDIS_SETTINGS.find((name) => env[name]);
    if (orphan) throw new ConfigError(`${orphan} is set but REDIS_URL is not: state is shared only through Redis`);
    return undefined;
  }
  const prefix = env.REDIS_KEY_PREFIX || "dm-bridge:";
  if (!/^[\x21-\x7e]{1,100}$/.test(prefix)) {
    throw new ConfigError(`REDIS_KEY_PREFIX must be 1 to 100 printable characters without spaces, got "${prefix}"`);
  }
  return {
    url: parseRedisUrl(env.REDIS_URL),
    keyPrefix: prefix,
    timeoutMs: parseInteger(env, "REDIS_TIMEOUT_MS", DEFAULT_REDIS_TIMEOUT_MS, 1, 60_000),
  };
}

/** The messages never quote the value: it may hold a password. */
function parseRedisUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError("REDIS_URL is not a URL (expected redis://[user:password@]host[:port][/db] or rediss://…)");
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") throw new ConfigError("REDIS_URL must start with redis:// or rediss://");
  if (!url.hostname) throw new ConfigError("REDIS_URL has no host");
  if (!/^\/?([0-9]{1,5})?$/.test(url.pathname)) throw new ConfigError("REDIS_URL may have only a database number as its path, as in redis://host:6379/0");
  if (url.search || url.hash) throw new ConfigError("REDIS_URL must not carry a query or fragment");
  // The scheme in lower case: the client turns TLS on for "rediss://" only as spelled so.
  return url.href;
}

function parseUpstreamApi(raw: string | undefined): UpstreamApi {
  const v = (raw ?? "").trim().toLowerCase();
  if (v === "" || v === "v1.1" || v === "1.1") return "v1.1";
  if (v === "v2" || v === "2") return "v2";
  throw new ConfigError(`UPSTREAM_API must be v1.1 or v2, got "${raw}"`);
}

function parseUnversionedForm(raw: string | undefined): string[] {
  if (raw === undefined || raw === "") return [];
  const key = raw.trim().toLowerCase();
  const form = Object.hasOwn(UNVERSIONED_FORMS, key) ? UNVERSIONED_FORMS[key] : undefined;
  if (!form) throw new ConfigError(`UNVERSIONED_ERROR_FORM must be "twitter" or "sina", got "${raw}"`);
  return form;
}

export function parseInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw.trim()) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function optionalInteger(env: Env, name: string): number | undefined {
  return env[name] ? parseInteger(env, name, 0, 1, 10_000_000) : undefined;
}

export function parseBoolean(env: Env, name: string): boolean {
  const raw = (env[name] ?? "").trim().toLowerCase();
  if (raw === "" || raw === "false" || raw === "0") return false;
  if (raw === "true" || raw === "1") return true;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function parseBaseUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a URL: "${raw}"`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new ConfigError(`${name} must be http or https`);
  if (url.search || url.hash || url.username) throw new ConfigError(`${name} must not carry a query, fragment or user`);
  return url.origin + url.pathname.replace(/\/+$/, "");
}

function readCredentials(env: Env, readFile: (path: string) => string): CredentialsDocument | undefined {
  if (env.DM_PROXY_CREDENTIALS && env.DM_PROXY_CREDENTIALS_FILE) {
    throw new ConfigError("set DM_PROXY_CREDENTIALS or DM_PROXY_CREDENTIALS_FILE, not both");
  }
  let text = env.DM_PROXY_CREDENTIALS;
  let source = "DM_PROXY_CREDENTIALS";
  if (env.DM_PROXY_CREDENTIALS_FILE) {
    source = `DM_PROXY_CREDENTIALS_FILE (${env.DM_PROXY_CREDENTIALS_FILE})`;
    try {
      text = readFile(env.DM_PROXY_CREDENTIALS_FILE);
    } catch (err) {
      throw new ConfigError(`${source} cannot be read: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  if (text === undefined || text.trim() === "") return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // The parser's message can quote the document, and the document holds secrets.
    throw new ConfigError(`${source} is not valid JSON`);
  }
  return checkCredentials(doc, source);
}

function checkCredentials(doc: unknown, source: string): CredentialsDocument {
  const fail = (what: string) => new ConfigError(`${source}: ${what}`);
  if (!isRecord(doc)) throw fail('must be a JSON object with "consumers" and "tokens"');
  for (const section of ["consumers", "tokens"] as const) {
    const s = doc[section];
    if (!isRecord(s) || Object.keys(s).length === 0) throw fail(`"${section}" must be a non-empty object`);
    for (const [k, v] of Object.entries(s)) {
      if (typeof v !== "string" || v === "") throw fail(`${section}["${k}"] must be a non-empty string (the secret)`);
    }
  }
  const consumers = doc.consumers as Record<string, string>;
  const tokens = doc.tokens as Record<string, string>;
  if (doc.basic !== undefined) {
    if (!isRecord(doc.basic)) throw fail('"basic" must be an object');
    for (const [user, a] of Object.entries(doc.basic)) {
      if (!isRecord(a) || typeof a.password !== "string" || a.password === "") {
        throw fail(`basic["${user}"].password must be a non-empty string`);
      }
      if (typeof a.consumer_key !== "string" || !(a.consumer_key in consumers)) {
        throw fail(`basic["${user}"].consumer_key must name a key of "consumers"`);
      }
      if (typeof a.token !== "string" || !(a.token in tokens)) throw fail(`basic["${user}"].token must name a key of "tokens"`);
    }
  }
  return doc as unknown as CredentialsDocument;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
