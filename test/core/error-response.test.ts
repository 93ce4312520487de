import { describe, expect, it } from "vitest";
import { BridgeError } from "../../src/core/errors";
import { DIALECTS } from "../../src/dialects/registry";
import { errorResponse, formatOfPath } from "../../src/dialects/response";

const [twitter11, twitter10] = DIALECTS;

describe("errorResponse, the one way an error becomes an answer", () => {
  it("answers in the dialect's document and status, with its content type and the gateway's own headers", async () => {
    const res = errorResponse(
      twitter10!,
      new BridgeError("route_not_found"),
      { format: "xml", requestPath: "/1/nope.xml" },
      {
        requestId: "abc",
        upstreamLabel: "sandbox",
      },
    );
    expect(res.status).toBe(404);
    expect(Object.fromEntries(res.headers)).toEqual({
      "content-type": "application/xml; charset=utf-8",
      "x-request-id": "abc",
      "x-dm-bridge-upstream": "sandbox",
      "x-dm-bridge-error": "route_not_found",
    });
    expect(await res.text()).toContain("<error>Not found</error>");
  });

  it("adds Allow: POST to a 405 and passes Retry-After back", () => {
    const refused = errorResponse(twitter11!, new BridgeError("method_not_allowed"), { format: "json", requestPath: "/1.1/direct_messages/new.json" });
    expect(refused.status).toBe(405);
    expect(refused.headers.get("allow")).toBe("POST");
    const busy = errorResponse(twitter11!, new BridgeError("unavailable", { headers: { "retry-after": "1" } }), { format: "json", requestPath: "/" });
    expect([busy.status, busy.headers.get("retry-after"), busy.headers.get("allow")]).toEqual([503, "1", null]);
  });

  it("without a stamp (a request that never reached the app) says only the error kind", () => {
    const res = errorResponse(twitter11!, new BridgeError("internal"), { format: "json", requestPath: "/x.json" });
    expect([res.headers.get("x-dm-bridge-error"), res.headers.has("x-request-id"), res.headers.has("x-dm-bridge-upstream")]).toEqual([
      "internal",
      false,
      false,
    ]);
  });

  it("reads the format from the path's extension", () => {
    expect(["/a.xml", "/a.json", "/a"].map(formatOfPath)).toEqual(["xml", "json", "json"]);
  });
});
