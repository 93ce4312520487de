import OAuth from "oauth-1.0a";
import { describe, expect, it } from "vitest";
import { buildOAuthHeader, parseOAuthHeader } from "../../src/oauth/authorization-header";
import { percentEncode } from "../../src/oauth/percent-encode";
import { createRandomIdPool } from "../../src/oauth/random-pool";
import { buildBaseString, computeSignature, constantTimeEqual, normalizeBaseUrl, type Param } from "../../src/oauth/signature";
import { createHmacSha1 } from "../../src/oauth/hmac-sha1";
import { nodeHmac, oauthPackageHash } from "../helpers/node-crypto";

// The worked example of X's "Creating a signature" page.
const EXAMPLE: Param[] = [
  ["status", "Hello Ladies + Gentlemen, a signed OAuth request!"],
  ["include_entities", "true"],
  ["oauth_consumer_key", "xvz1evFS4wEEPTGEFPHBog"],
  ["oauth_nonce", "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"],
  ["oauth_signature_method", "HMAC-SHA1"],
  ["oauth_timestamp", "1318622958"],
  ["oauth_token", "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"],
  ["oauth_version", "1.0"],
];
const CONSUMER_SECRET = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw";
const TOKEN_SECRET = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE";

describe("OAuth 1.0a signatures", () => {
  it("reproduces the published example signature, with node:crypto and with the plain-JavaScript HMAC (Workers)", async () => {
    const url = "https://api.twitter.com/1.1/statuses/update.json";
    for (const hmac of [nodeHmac, createHmacSha1()]) {
      expect(await computeSignature(hmac, "post", url, EXAMPLE, CONSUMER_SECRET, TOKEN_SECRET)).toBe("hCtSmYh+iHYCEqBWrE7C7hYmtUk=");
    }
  });

  it("percent-encodes the characters encodeURIComponent leaves alone", () => {
    expect(percentEncode("!*'()")).toBe("%21%2A%27%28%29");
    expect(percentEncode("a b+c~-._")).toBe("a%20b%2Bc~-._");
    expect(percentEncode("ü🐦")).toBe("%C3%BC%F0%9F%90%A6");
  });

  it("normalizes scheme, host and default ports, and drops the query", () => {
    expect(normalizeBaseUrl("HTTPS://API.X.com:443/1.1/a.json?x=1#f")).toBe("https://api.x.com/1.1/a.json");
    expect(normalizeBaseUrl("http://Example.com:8080/P")).toBe("http://example.com:8080/P");
    expect(normalizeBaseUrl("http://example.com:80/")).toBe("http://example.com/");
  });

  it("signs every occurrence of a repeated parameter, sorted by value", () => {
    const base = buildBaseString("GET", "http://h/p", [
      ["a", "2"],
      ["a", "1"],
      ["b", ""],
    ]);
    expect(base).toBe("GET&http%3A%2F%2Fh%2Fp&a%3D1%26a%3D2%26b%3D");
  });

  it("agrees with the oauth-1.0a package on reserved characters, Unicode and emoji", async () => {
    const text = "Hello Ladies + Gentlemen!*'() ümlaut 日本語 🐦 100%";
    const oauth = new OAuth({ consumer: { key: "ck", secret: "c&s" }, signature_method: "HMAC-SHA1", hash_function: oauthPackageHash });
    const url = "https://api.x.com/1.1/direct_messages/new.json";
    const data = oauth.authorize({ url, method: "POST", data: { text, screen_name: "Who" } }, { key: "tk", secret: "t s" });
    // authorize() hands back the request's own parameters along with the protocol ones.
    const { oauth_signature, ...signed } = data as unknown as Record<string, string>;
    expect(signed.text).toBe(text);
    const params: Param[] = Object.entries(signed);
    expect(await computeSignature(nodeHmac, "POST", url, params, "c&s", "t s")).toBe(oauth_signature);
  });

  it("parses what it builds, and refuses malformed headers", () => {
    const params: Param[] = [
      ["oauth_consumer_key", "a b"],
      ["oauth_signature", "x/y+z="],
    ];
    expect(parseOAuthHeader(buildOAuthHeader(params))).toEqual(params);
    expect(parseOAuthHeader('OAuth realm="x", oauth_token="t"')).toEqual([
      ["realm", "x"],
      ["oauth_token", "t"],
    ]);
    expect(parseOAuthHeader("Bearer abc")).toBeUndefined();
    expect(parseOAuthHeader('OAuth oauth_token="unterminated')).toBeUndefined();
    expect(parseOAuthHeader('OAuth oauth_token="%E0%A4%A"')).toBeUndefined();
  });

  it("compares signatures fully, whatever their length", () => {
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "ab")).toBe(false);
    expect(constantTimeEqual("", "")).toBe(true);
  });
});

describe("percentEncode and the random id pool", () => {
  it("encodes exactly RFC 3986's reserved set, passing unreserved values through", () => {
    expect(percentEncode("abc-._~XYZ09")).toBe("abc-._~XYZ09");
    expect(percentEncode("Ladies + Gentlemen!*'()")).toBe("Ladies%20%2B%20Gentlemen%21%2A%27%28%29");
    expect(percentEncode("ü/🐦=&")).toBe("%C3%BC%2F%F0%9F%90%A6%3D%26");
    expect(percentEncode("")).toBe("");
  });

  it("cuts distinct 32-hex-digit ids from one block, refilling it when used up", () => {
    let fills = 0;
    const next = createRandomIdPool(
      (b) => {
        fills++;
        for (let i = 0; i < b.length; i++) b[i] = (i * 7 + fills * 13) & 0xff;
      },
      16,
      4,
    );
    const ids = Array.from({ length: 9 }, () => next());
    expect(fills).toBe(3);
    expect(ids.every((id) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(9);
    expect(ids[0]).toBe("0d141b222930373e454c535a61686f76");
  });
});
