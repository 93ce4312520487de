import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BridgeError, ERROR_KINDS } from "../../src/core/errors";
import { MAX_TEXT_CHARS } from "../../src/core/legacy-request";
import { DIALECTS } from "../../src/dialects/registry";
import { DEMO, signLegacyCall } from "../helpers/legacy-client";
import { PROXY, startHarness, type Harness } from "../helpers/harness";

const PARAM_NAMES = ["user", "user_id", "screen_name", "text", "id", "source", "media_id", "quick_reply_options", "oauth_token", "junk", ""];
const anyText = fc.oneof(fc.string({ unit: "binary", maxLength: 40 }), fc.stringMatching(/^[0-9]{0,25}$/), fc.constantFrom("", "@", "%", "a".repeat(10_001)));
const anyParams = fc.array(fc.tuple(fc.constantFrom(...PARAM_NAMES), anyText), { maxLength: 6 });

const ROUTES = DIALECTS.flatMap((d) => d.routes.flatMap((r) => r.formats.map((f) => `${r.path}.${f}`)));
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 });

describe("every dialect's parser, on random and hostile parameters", () => {
  it("returns a sendable request or a BridgeError, nothing else", () => {
    for (const dialect of DIALECTS) {
      fc.assert(
        fc.property(anyParams, (params) => {
          let parsed: ReturnType<typeof dialect.parseRequest>;
          try {
            parsed = dialect.parseRequest(params);
          } catch (e) {
            expect(e).toBeInstanceOf(BridgeError);
            return;
          }
          expect(parsed.text.length).toBeGreaterThan(0);
          expect([...parsed.text].length).toBeLessThanOrEqual(MAX_TEXT_CHARS);
          expect(parsed.recipient.value.length).toBeGreaterThan(0);
          if (parsed.recipient.by === "id") expect(parsed.recipient.value).toMatch(/^[0-9]+$/);
        }),
        { numRuns: 2_000 },
      );
    }
  });

  it("renders every error kind with a 4xx or 5xx status and a body, whatever the detail", () => {
    const anyKind = fc.constantFrom(...ERROR_KINDS);
    for (const dialect of DIALECTS) {
      fc.assert(
        fc.property(
          anyKind,
          fc.option(fc.integer()),
          fc.option(fc.string()),
          fc.option(fc.integer({ min: 100, max: 999 })),
          fc.constantFrom("json", "xml"),
          printable,
          (kind, xCode, xMessage, upstreamStatus, format, requestPath) => {
            const r = dialect.renderError(
              new BridgeError(kind, { xCode: xCode ?? undefined, xMessage: xMessage ?? undefined, upstreamStatus: upstreamStatus ?? undefined }),
              { format, requestPath },
            );
            expect(r.status).toBeGreaterThanOrEqual(400);
            expect(r.status).toBeLessThanOrEqual(599);
            expect(r.body.length).toBeGreaterThan(0);
          },
        ),
        { numRuns: 500 },
      );
    }
  });
});

describe("the whole app, on random and hostile requests", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  const anyAuthorization = fc.oneof(
    fc.constant(undefined),
    printable,
    printable.map((s) => `OAuth ${s}`),
    fc.base64String({ maxLength: 40 }).map((s) => `Basic ${s}`),
    fc
      .tuple(printable, printable)
      .map(
        ([sig, nonce]) =>
          `OAuth oauth_consumer_key="${DEMO.consumerKey}", oauth_token="${DEMO.token}", oauth_nonce="${encodeURIComponent(nonce)}", oauth_signature_method="HMAC-SHA1", oauth_timestamp="${Math.floor(Date.now() / 1000)}", oauth_version="1.0", oauth_signature="${encodeURIComponent(sig)}"`,
      ),
  );
  const anyBody = fc.oneof(
    fc.constant(undefined),
    fc.uint8Array({ maxLength: 300 }),
    anyParams.map((ps) => ps.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&")),
    fc.constant(`text=${"x".repeat(70_000)}`),
  );
  const anyRequest = fc.record({
    method: fc.constantFrom("POST", "POST", "POST", "GET", "PUT", "DELETE", "PATCH", "OPTIONS"),
    path: fc.oneof(
      fc.constantFrom(...ROUTES),
      fc.constantFrom(...ROUTES).chain((r) => printable.map((s) => r + encodeURI(s))),
      printable.map((s) => `/${encodeURI(s)}`),
    ),
    query: fc.option(printable.map((s) => `?${s.replace(/#/g, "")}`)),
    authorization: anyAuthorization,
    contentType: fc.constantFrom(undefined, "application/x-www-form-urlencoded", "application/json", "multipart/form-data; boundary=x", "text/plain"),
    body: anyBody,
  });

  it("never answers 5xx to bad input, never sends, and leaves no promise unhandled", async () => {
    await fc.assert(
      fc.asyncProperty(anyRequest, async (r) => {
        const headers = new Headers();
        if (r.authorization !== undefined) headers.set("authorization", r.authorization);
        if (r.contentType) headers.set("content-type", r.contentType);
        const withBody = r.method !== "GET" && r.body !== undefined;
        const res = await h.call(new Request(PROXY + r.path + (r.query ?? ""), { method: r.method, headers, body: withBody ? r.body : undefined }));
        expect(res.status).toBeLessThan(500);
        await res.arrayBuffer();
      }),
      { numRuns: 1_500 },
    );
    expect(h.sandbox.stats.events).toHaveLength(0);
  });

  it("with a valid signature and random parameters, on every dialect's routes: 200 means exactly one send, anything else none", async () => {
    const anyForm = fc.dictionary(
      fc.constantFrom("user", "user_id", "screen_name", "text", "source", "junk"),
      fc.oneof(fc.string({ unit: "grapheme", maxLength: 20 }), fc.constantFrom("dougw", "12345", "1855000000000000999", "future_user", "lonely_heart", "")),
      { maxKeys: 4 },
    );
    await fc.assert(
      fc.asyncProperty(anyForm, fc.boolean(), fc.constantFrom(...ROUTES), async (params, inQuery, route) => {
        const before = h.sandbox.stats.events.length;
        const res = await h.call(signLegacyCall({ url: `${PROXY}${route}`, ...(inQuery ? { query: params } : { form: params }) }));
        expect(res.status).toBeLessThan(500);
        expect(h.sandbox.stats.events.length - before).toBe(res.status === 200 ? 1 : 0);
        if (res.status === 200 && route.endsWith(".json")) expect((await res.json()).text).toBe(params.text);
        if (res.status === 200 && route.endsWith(".xml")) expect(h.sandbox.stats.events.at(-1)!.text).toBe(params.text);
      }),
      { numRuns: 400 },
    );
  });
});
