import { describe, expect, it } from "vitest";
import { BridgeError } from "../../src/core/errors";
import { DIALECTS } from "../../src/dialects/registry";

describe("every dialect's error documents", () => {
  it("answer an internal failure with 500 in the dialect's own form, naming no cause", () => {
    const bodies = Object.fromEntries(
      DIALECTS.map((d) => {
        const r = d.renderError(new BridgeError("internal"), { format: "json", requestPath: "/x.json" });
        expect(r.status).toBe(500);
        return [d.name, JSON.parse(r.body)];
      }),
    );
    expect(bodies).toEqual({
      "twitter-1.1": { errors: [{ code: 131, message: "Internal error." }] },
      "twitter-1.0": { error: "Internal error.", request: "/x.json" },
      "sina-weibo": { request: "/x.json", error_code: "500", error: "50000:Error: system error!" },
      statusnet: { error: "Internal error.", request: "/x.json" },
    });
  });

  it("pass the upstream's rate-limit headers back with a rate-limit error, under each dialect's own names", () => {
    const headers = { "x-rate-limit-remaining": "0", "x-rate-limit-reset": "1800000000", "retry-after": "60" };
    const passed = Object.fromEntries(
      DIALECTS.map((d) => [d.name, d.renderError(new BridgeError("rate_limited", { headers }), { format: "xml", requestPath: "/x.xml" }).headers]),
    );
    const renamed = { "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1800000000", "retry-after": "60" };
    expect(passed).toEqual({ "twitter-1.1": headers, "twitter-1.0": renamed, "sina-weibo": renamed, statusnet: renamed });
  });
});
