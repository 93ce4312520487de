import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createHmacSha1 } from "../../src/oauth/hmac-sha1";
import { nodeHmac as reference } from "../helpers/node-crypto";

describe("HMAC-SHA1 in plain JavaScript", () => {
  it("matches the RFC 2202 test vectors", () => {
    const hmac = createHmacSha1();
    const hex = (base64: string) => Buffer.from(base64, "base64").toString("hex");
    expect(hex(hmac("Jefe", "what do ya want for nothing?") as string)).toBe("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    expect(hex(hmac("\u000b".repeat(20), "Hi There") as string)).toBe("b617318655057264e28bc0b6fb378c8ef146be00");
  });

  it("signs like node:crypto for any key and data: empty, one block, around the padding boundaries, non-ASCII", () => {
    const hmac = createHmacSha1(4);
    const text = fc.string({ unit: "binary", maxLength: 300 });
    fc.assert(
      fc.property(text, text, (key, data) => {
        expect(hmac(key, data)).toBe(reference(key, data));
        // Again, from the key's kept pads (or after they were dropped to make room for others).
        expect(hmac(key, data)).toBe(reference(key, data));
      }),
      { numRuns: 1_000 },
    );
    for (let n = 0; n <= 130; n++) {
      const data = "x".repeat(n);
      expect(hmac("k", data)).toBe(reference("k", data));
      expect(hmac("k".repeat(n), "d")).toBe(reference("k".repeat(n), "d"));
    }
  });
});
