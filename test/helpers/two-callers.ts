import { createStaticCredentialStore } from "../../src/auth/credential-store";
import type { SandboxOptions } from "../../src/sandbox/sandbox-app";
import { DEMO_CREDENTIALS } from "../../src/sandbox/sandbox-users";
import { DEFAULT_USER_DIRECTORY } from "../../src/users/user-directory";
import { startHarness, type Harness } from "./harness";
import { DEMO, signLegacyCall, type ClientCredentials } from "./legacy-client";

/** A second caller of the same deployment: Sean Cook's token. */
export const SECOND: ClientCredentials = { ...DEMO, token: "38895958-second-access-token", tokenSecret: "second-token-secret" };
const TOKENS = { ...DEMO_CREDENTIALS.tokens, [SECOND.token]: SECOND.tokenSecret };

export interface TwoCallers extends Harness {
  send(creds: ClientCredentials, name: string, path?: string): Promise<Response>;
  /** Concurrent DMs as clients send them over their own connections: each signed first, then all at once. */
  burst(asks: [ClientCredentials, string][]): Promise<Response[]>;
  lookupCalls(): number;
}

/**
 * The proxy and the sandbox on loopback, both knowing the demo token and SECOND's, with a user cache large enough
 * for thousands of names: for counting upstream calls under concurrent DMs from two callers.
 */
export async function startTwoCallers(sandbox: Partial<SandboxOptions> = {}): Promise<TwoCallers> {
  const h = await startHarness({
    sandbox: { tokens: TOKENS, ...sandbox },
    app: {
      credentials: createStaticCredentialStore({ ...DEMO_CREDENTIALS, tokens: TOKENS }),
      userCache: { ...DEFAULT_USER_DIRECTORY, maxEntries: 10_000 },
      // The production deadline, not the harness's 2 s: a burst of a thousand sends queues on a busy 2-core host.
      upstreamTimeoutMs: 10_000,
    },
    listen: true,
  });
  const sign = (creds: ClientCredentials, name: string, path = "/1.1/direct_messages/new.json") =>
    signLegacyCall({ url: h.proxyUrl + path, form: { screen_name: name, text: `to ${name}` }, creds });
  return {
    ...h,
    send: (creds, name, path) => fetch(sign(creds, name, path)),
    burst: (asks) => Promise.all(asks.map(([c, n]) => sign(c, n)).map((r) => fetch(r))),
    lookupCalls: () => h.sandbox.stats.calls["users/lookup"] ?? 0,
  };
}
