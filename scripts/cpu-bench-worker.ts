// A Worker for `npm run measure:cpu`: runs a batch of signed legacy requests through createApp inside one
// request, against an upstream answered from memory, so workerd's CPU time for the batch is translation only.
import { createApp } from "../src/app";
import { createStaticCredentialStore } from "../src/auth/credential-store";
import { createHmacSha1 } from "../src/oauth/hmac-sha1";
import { createSandboxUsers, DEMO_CREDENTIALS } from "../src/sandbox/sandbox-users";
import { DEFAULT_USER_DIRECTORY } from "../src/users/user-directory";
import { fromFetch } from "../src/upstream/upstream-fetch";

export interface BenchRequest {
  url: string;
  headers: [string, string][];
  body: string;
}

const users = [...createSandboxUsers().values()].map((u) => u.user);
let nextId = 1855000000000000001n;

/** What the X API would answer, without checking anything: its work is not the proxy's. */
async function upstream(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname.endsWith("/users/lookup.json")) {
    const ids = url.searchParams.get("user_id")?.split(",");
    const names = url.searchParams.get("screen_name")?.toLowerCase().split(",");
    const found = users.filter((u) => ids?.includes(u.id_str) || names?.includes(u.screen_name.toLowerCase()));
    return Response.json(found);
  }
  const body = (await request.json()) as { event: { message_create: { target: { recipient_id: string }; message_data: { text: string } } } };
  const mc = body.event.message_create;
  return Response.json({
    event: {
      type: "message_create",
      id: String(nextId++),
      created_timestamp: String(Date.now()),
      message_create: { target: mc.target, sender_id: "776627022", message_data: { text: mc.message_data.text, entities: {} } },
    },
  });
}

const app = createApp({
  fetch: fromFetch((url, init) => upstream(new Request(url, init))),
  hmac: createHmacSha1(),
  clock: Date.now,
  randomId: () => crypto.randomUUID().replaceAll("-", ""),
  credentials: createStaticCredentialStore(DEMO_CREDENTIALS),
  upstreamUrl: "https://api.x.test",
  upstreamTimeoutMs: 10_000,
  // As wrangler.toml configures the Worker.
  userCache: { ...DEFAULT_USER_DIRECTORY, maxEntries: 5_000 },
});

export default {
  async fetch(request: Request): Promise<Response> {
    const batch = (await request.json()) as BenchRequest[];
    for (const r of batch) {
      const res = await app.fetch(new Request(r.url, { method: "POST", headers: r.headers, body: r.body }));
      const text = await res.text();
      if (res.status !== 200) return new Response(`${res.status}: ${text}`, { status: 500 });
    }
    return new Response(String(batch.length));
  },
};
