import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, type Config } from "../src/config";
import { checkNodeConfig } from "../src/node/node-config";

const CREDS = JSON.stringify({
  consumers: { ck: "consumer-secret-value" },
  tokens: { "1-tok": "token-secret-value" },
  basic: { alice: { password: "pw", consumer_key: "ck", token: "1-tok" } },
});

function errorOf(env: Record<string, string>, readFile?: (p: string) => string, check: (c: Config) => unknown = () => {}): string {
  try {
    check(parseConfig(env, readFile));
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error("expected a configuration error");
}

describe("configuration", () => {
  it("with nothing set, runs the sandbox on port 8787", () => {
    const c = parseConfig({});
    expect(c).toMatchObject({ port: 8787, upstreamUrl: undefined, credentials: undefined, upstreamTimeoutMs: 10_000 });
  });

  it("with credentials, proxies to api.x.com unless UPSTREAM_URL says otherwise", () => {
    expect(parseConfig({ DM_PROXY_CREDENTIALS: CREDS }).upstreamUrl).toBe("https://api.x.com");
    expect(parseConfig({ DM_PROXY_CREDENTIALS: CREDS, UPSTREAM_URL: "http://127.0.0.1:9/x/" }).upstreamUrl).toBe("http://127.0.0.1:9/x");
  });

  it("reads the credentials from DM_PROXY_CREDENTIALS_FILE", () => {
    const c = parseConfig({ DM_PROXY_CREDENTIALS_FILE: "/etc/creds.json" }, (p) => (p === "/etc/creds.json" ? CREDS : ""));
    expect(c.credentials?.tokens["1-tok"]).toBe("token-secret-value");
  });

  it("UNVERSIONED_ERROR_FORM picks who answers /direct_messages/new: Twitter 1.0 by default, or Sina", () => {
    expect(parseConfig({}).preferredDialects).toEqual([]);
    expect(parseConfig({ UNVERSIONED_ERROR_FORM: "twitter" }).preferredDialects).toEqual([]);
    expect(parseConfig({ UNVERSIONED_ERROR_FORM: "Sina" }).preferredDialects).toEqual(["sina-weibo"]);
    expect(errorOf({ UNVERSIONED_ERROR_FORM: "weibo" })).toBe('UNVERSIONED_ERROR_FORM must be "twitter" or "sina", got "weibo"');
    expect(errorOf({ UNVERSIONED_ERROR_FORM: "constructor" })).toMatch(/^UNVERSIONED_ERROR_FORM must be/);
  });

  it("drains for two upstream deadlines and a margin unless SHUTDOWN_TIMEOUT_MS says otherwise; metrics on, token optional", () => {
    expect(parseConfig({}).shutdownTimeoutMs).toBe(22_000);
    expect(parseConfig({ UPSTREAM_TIMEOUT_MS: "3000" }).shutdownTimeoutMs).toBe(8_000);
    expect(parseConfig({ SHUTDOWN_TIMEOUT_MS: "5000" }).shutdownTimeoutMs).toBe(5_000);
    expect(parseConfig({}).metrics).toEqual({ enabled: true, token: undefined });
    expect(parseConfig({ METRICS: "off", METRICS_TOKEN: "0123456789abcdef-x" }).metrics).toEqual({ enabled: false, token: "0123456789abcdef-x" });
    expect(errorOf({ SHUTDOWN_TIMEOUT_MS: "soon" })).toMatch(/^SHUTDOWN_TIMEOUT_MS must be a whole number/);
    expect(errorOf({ METRICS: "yes" })).toBe('METRICS must be on or off, got "yes"');
    const weak = errorOf({ METRICS_TOKEN: "short secret" });
    expect(weak).toBe("METRICS_TOKEN must be at least 16 printable characters without spaces");
  });

  it("on Node, settings that need a shared store need REDIS_URL", () => {
    const nodeErrorOf = (env: Record<string, string>) => errorOf(env, undefined, checkNodeConfig);
    expect(nodeErrorOf({ SHARED_STATE_REQUIRED: "true" })).toBe("SHARED_STATE_REQUIRED=true needs REDIS_URL: the Node sidecar shares state only through Redis");
    expect(nodeErrorOf({ WEB_CONCURRENCY: "3" })).toMatch(/^WEB_CONCURRENCY=3 needs REDIS_URL: without a shared store a request replayed/);
    expect(checkNodeConfig(parseConfig({ WEB_CONCURRENCY: "3", SHARED_STATE_REQUIRED: "true", REDIS_URL: "redis://r:6379" })).webConcurrency).toBe(3);
    expect(checkNodeConfig(parseConfig({})).webConcurrency).toBe(1);
  });

  it("names what is wrong in one line, without quoting a secret", () => {
    expect(errorOf({ PORT: "eighty" })).toMatch(/^PORT must be a whole number/);
    expect(errorOf({ UPSTREAM_TIMEOUT_MS: "0" })).toMatch(/^UPSTREAM_TIMEOUT_MS/);
    expect(errorOf({ DM_PROXY_CREDENTIALS: CREDS, UPSTREAM_URL: "ftp://x" })).toMatch(/UPSTREAM_URL must be http or https/);
    expect(errorOf({ UPSTREAM_URL: "https://api.x.com" })).toMatch(/DM_PROXY_CREDENTIALS is not/);
    const broken = errorOf({ DM_PROXY_CREDENTIALS: '{"consumers":{"ck":"very-secret-value"' });
    expect(broken).toBe("DM_PROXY_CREDENTIALS is not valid JSON");
    const badBasic = JSON.stringify({ consumers: { ck: "s" }, tokens: { t: "s" }, basic: { bob: { password: "p", consumer_key: "ck", token: "nope" } } });
    expect(errorOf({ DM_PROXY_CREDENTIALS: badBasic })).toMatch(/basic\["bob"\]\.token must name a key of "tokens"/);
    expect(
      errorOf({ DM_PROXY_CREDENTIALS_FILE: "/missing" }, () => {
        throw new Error("ENOENT: no such file");
      }),
    ).toMatch(/cannot be read: ENOENT/);
  });
  describe("shared state in Redis", () => {
    it("is off without REDIS_URL; on with it, with the prefix, deadline and policy defaults", () => {
      expect(parseConfig({}).redis).toBeUndefined();
      expect(parseConfig({ REDIS_URL: "redis://127.0.0.1:6379" }).redis).toEqual({
        url: "redis://127.0.0.1:6379",
        keyPrefix: "dm-bridge:",
        timeoutMs: 200,
      });
      const tls = parseConfig({
        REDIS_URL: "REDISS://app:p%40ss@cache.internal:6380/2",
        REDIS_KEY_PREFIX: "prod-a:",
        REDIS_TIMEOUT_MS: "50",
        SHARED_STATE_REQUIRED: "true",
      });
      // The scheme is lower-cased: the client turns TLS on only for "rediss://" spelled so.
      expect(tls.redis).toEqual({ url: "rediss://app:p%40ss@cache.internal:6380/2", keyPrefix: "prod-a:", timeoutMs: 50 });
      expect(tls.sharedStateRequired).toBe(true);
    });

    it("stops on a malformed REDIS_URL with a message naming it and never quoting it (it may hold a password)", () => {
      const bad = [
        "http://user:hunter2@cache:6379",
        "redis://user:hunter2@/",
        "not a url hunter2",
        "redis://user:hunter2@cache:6379/zero",
        "redis://user:hunter2@cache:6379?tls=false",
        "redis:hunter2",
      ];
      for (const url of bad) {
        const message = errorOf({ REDIS_URL: url });
        expect(message).toMatch(/^REDIS_URL /);
        expect(message).not.toContain("hunter2");
      }
    });

    it("refuses Redis settings that would do nothing, and bad values, naming the variable", () => {
      expect(errorOf({ REDIS_KEY_PREFIX: "x:" })).toMatch(/^REDIS_KEY_PREFIX is set but REDIS_URL is not/);
      const url = "redis://127.0.0.1:6379";
      expect(errorOf({ REDIS_URL: url, REDIS_TIMEOUT_MS: "0" })).toMatch(/^REDIS_TIMEOUT_MS must be a whole number from 1/);
      expect(errorOf({ REDIS_URL: url, SHARED_STATE_REQUIRED: "yes" })).toMatch(/^SHARED_STATE_REQUIRED must be true or false/);
      expect(errorOf({ REDIS_URL: url, REDIS_KEY_PREFIX: "has space" })).toMatch(/^REDIS_KEY_PREFIX must be/);
    });
  });
});
