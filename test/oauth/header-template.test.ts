import fc from "fast-check";
import OAuth from "oauth-1.0a";
import { describe, expect, it } from "vitest";
import { parseOAuthHeader } from "../../src/oauth/authorization-header";
import { createHeaderTemplate } from "../../src/oauth/header-template";
import { buildBaseString, buildSigningKey, type Param } from "../../src/oauth/signature";
import { lengthPrefixed } from "../../src/upstream/upstream-signer";
import { DEMO } from "../helpers/legacy-client";
import { nodeHmac, oauthPackageHash } from "../helpers/node-crypto";

const creds = { consumerKey: DEMO.consumerKey, consumerSecret: DEMO.consumerSecret, token: DEMO.token, tokenSecret: DEMO.tokenSecret };

/** What the oauth-1.0a package signs for the same call: the reference the template must agree with. */
function packageSignature(method: string, url: string, params: readonly Param[], nonce: string, timestamp: string) {
  const oauth = new OAuth({
    consumer: { key: creds.consumerKey, secret: creds.consumerSecret },
    signature_method: "HMAC-SHA1",
    hash_function: oauthPackageHash,
  });
  const protocol = {
    oauth_consumer_key: creds.consumerKey,
    oauth_nonce: nonce,
    oauth_signature_method: "HMAC-SHA1",
    oauth_timestamp: timestamp,
    oauth_token: creds.token,
    oauth_version: "1.0",
  };
  return oauth.getSignature({ url, method, data: Object.fromEntries(params) }, creds.tokenSecret, protocol as unknown as OAuth.Authorization);
}

function fieldsOf(header: string) {
  return new Map(parseOAuthHeader(header));
}

describe("OAuth header template", () => {
  it("signs every nonce and timestamp as the oauth-1.0a package does, spliced or the long way", () => {
    const url = "https://api.x.test/1.1/direct_messages/events/new.json";
    const form: Param[] = [
      ["text", "Meet me (at 5)! 50% off*"],
      ["screen_name", "theSeanCook"],
    ];
    const template = createHeaderTemplate("POST", url, form, creds);
    const value = fc.oneof(fc.stringMatching(/^[0-9A-Za-z]{1,64}$/), fc.string({ minLength: 1, maxLength: 40 }));
    fc.assert(
      fc.property(value, value, (nonce, timestamp) => {
        const fields = fieldsOf(template(nonce, timestamp, nodeHmac) as string);
        expect(fields.get("oauth_nonce")).toBe(nonce);
        expect(fields.get("oauth_timestamp")).toBe(timestamp);
        expect(fields.get("oauth_consumer_key")).toBe(creds.consumerKey);
        expect(fields.get("oauth_signature")).toBe(packageSignature("POST", url, form, nonce, timestamp));
      }),
      { numRuns: 300 },
    );
  });

  it("signs the long way when another parameter is named oauth_…, whose value would then decide the sorted order", () => {
    const url = "https://api.x.test/1.1/users/lookup.json";
    const params: Param[] = [
      ["oauth_nonce", "1"],
      ["screen_name", "dougw"],
    ];
    const header = createHeaderTemplate("GET", url, params, creds)("0", "1764000000", nodeHmac) as string;
    const protocol: Param[] = [...fieldsOf(header)].filter(([n]) => n !== "oauth_signature");
    const expected = nodeHmac(buildSigningKey(creds.consumerSecret, creds.tokenSecret), buildBaseString("GET", url, [...params, ...protocol]));
    expect(fieldsOf(header).get("oauth_signature")).toBe(expected);
  });

  it("falls back to the long way when the URL holds a marker, and waits for an asynchronous HMAC", async () => {
    const url = "https://api.x.test/NONCEMARKER/TIMESTAMPMARKER/new.json";
    const template = createHeaderTemplate("POST", url, [], creds);
    const sync = template("abc123", "1764000000", nodeHmac);
    expect(typeof sync).toBe("string");
    expect(fieldsOf(sync as string).get("oauth_signature")).toBe(packageSignature("POST", url, [], "abc123", "1764000000"));
    const later = template("abc123", "1764000000", async (key, data) => nodeHmac(key, data));
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toBe(sync);
  });

  it("keeps one template per caller: the cache key of two different credential lists never collides", () => {
    expect(lengthPrefixed(["POST", "u", "a", "x\ny", "t", "s"])).not.toBe(lengthPrefixed(["POST", "u", "a\nx", "y", "t", "s"]));
    const parts = fc.array(fc.string({ maxLength: 6 }), { minLength: 6, maxLength: 6 });
    fc.assert(
      fc.property(parts, parts, (a, b) => (lengthPrefixed(a) === lengthPrefixed(b)) === (JSON.stringify(a) === JSON.stringify(b))),
      { numRuns: 2_000 },
    );
  });
});
