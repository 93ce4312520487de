import { describe, expect, it } from "vitest";
import { BridgeError } from "../src/core/errors";
import { refusalReason, upstreamEndpoint } from "../src/observe";

describe("metric labels", () => {
  it("name each upstream endpoint from a fixed set, whatever the query or a path prefix holds", () => {
    expect(upstreamEndpoint("https://api.x.com/1.1/direct_messages/events/new.json")).toBe("events/new");
    expect(upstreamEndpoint("https://x.test/prefix/1.1/users/lookup.json?screen_name=a,b")).toBe("users/lookup");
    expect(upstreamEndpoint("https://api.x.com/1.1/users/show.json?user_id=12")).toBe("users/show");
    expect(upstreamEndpoint("https://api.x.com/2/dm_conversations/with/12/messages")).toBe("v2/dm");
    expect(upstreamEndpoint("https://api.x.com/2/users/by/username/dougw?user.fields=id")).toBe("v2/users");
    expect(upstreamEndpoint("https://api.x.com/2/users?ids=1,2")).toBe("v2/users");
    expect(upstreamEndpoint("https://api.x.com/1.1/other.json?x=/users/lookup.json")).toBe("other");
  });

  it("count the gateway's own refusals, not the upstream's", () => {
    expect(refusalReason(new BridgeError("auth_replay"))).toBe("replay");
    expect(refusalReason(new BridgeError("rate_limited"))).toBe("budget");
    expect(refusalReason(new BridgeError("rate_limited", { upstreamStatus: 429 }))).toBeUndefined();
    expect(refusalReason(new BridgeError("recipient_not_found"))).toBeUndefined();
  });
});
