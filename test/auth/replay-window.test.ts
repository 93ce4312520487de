import { describe, expect, it } from "vitest";
import { authenticate, type AuthContext } from "../../src/auth/authenticate";
import { createStaticCredentialStore } from "../../src/auth/credential-store";
import { createMemoryNonceStore } from "../../src/auth/nonce-store";
import { DEMO_CREDENTIALS } from "../../src/sandbox/sandbox-users";
import { signLegacyCall } from "../helpers/legacy-client";
import { nodeHmac } from "../helpers/node-crypto";

const URL_1_1 = "http://proxy.test/1.1/direct_messages/new.json";
const T = 1_795_000_000;

async function outcome(request: Request, ctx: AuthContext): Promise<string> {
  try {
    await authenticate({ method: "POST", url: request.url, authorization: request.headers.get("authorization"), params: [] }, ctx);
    return "ok";
  } catch (e) {
    return (e as { kind: string }).kind;
  }
}

describe("replay protection across the whole timestamp window", () => {
  it("refuses a replay until the timestamp leaves the window, then the timestamp check takes over", async () => {
    let now = T * 1000;
    const clock = () => now;
    const ctx: AuthContext = {
      credentials: createStaticCredentialStore(DEMO_CREDENTIALS),
      nonces: createMemoryNonceStore(1_000, clock),
      hmac: nodeHmac,
      clock,
      timestampWindowSec: 300,
    };
    // Signed 200 s ahead of the proxy's clock: still inside the window, and remembered until T + 500 s.
    const request = () => signLegacyCall({ url: URL_1_1, nonce: "n-1", timestamp: T + 200 });
    expect(await outcome(request(), ctx)).toBe("ok");
    now = (T + 450) * 1000;
    expect(await outcome(request(), ctx)).toBe("auth_replay");
    now = (T + 501) * 1000;
    expect(await outcome(request(), ctx)).toBe("auth_timestamp");
  });
});
