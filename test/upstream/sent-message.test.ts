import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BridgeError } from "../../src/core/errors";
import { buildMessageCreateEvent } from "../../src/core/event-body";
import type { XEventResponse } from "../../src/core/x-types";
import { createUndiciFetch } from "../../src/upstream/undici-fetch";
import { createXApi, sentMessageOfEvent, type XApi } from "../../src/upstream/x-api";
import { createXApiV2 } from "../../src/upstream/x-api-v2";
import { startSandboxUpstream, type SandboxUpstream } from "../helpers/harness";
import { DEMO } from "../helpers/legacy-client";
import { nodeHmac, randomId } from "../helpers/node-crypto";

const BIG_ID = "1855000000000000999"; // above 2^53: must stay digit for digit
const EMPTY_ENTITIES = { hashtags: [], symbols: [], user_mentions: [], urls: [] };

function eventAnswer(event: Record<string, unknown>, status = 200) {
  return { status, json: { event } as unknown as XEventResponse };
}

const VALID_EVENT = {
  type: "message_create",
  id: BIG_ID,
  created_timestamp: "1764649200123",
  message_create: {
    target: { recipient_id: "38895958" },
    sender_id: "776627022",
    message_data: { text: "hi @dougw", entities: { hashtags: [], user_mentions: [{ screen_name: "dougw", indices: [3, 9] }], urls: [] } },
  },
};

describe("a v1.1 events/new answer read into the sent message", () => {
  it("takes the ids as digits, the timestamp as ms, the text and entities, with every entity list present", () => {
    expect(sentMessageOfEvent(eventAnswer(VALID_EVENT), "38895958")).toEqual({
      id: BIG_ID,
      createdAtMs: 1764649200123,
      senderId: "776627022",
      recipientId: "38895958",
      text: "hi @dougw",
      entities: { hashtags: [], symbols: [], user_mentions: [{ screen_name: "dougw", indices: [3, 9] }], urls: [] },
    });
    const bare = { ...VALID_EVENT, message_create: { ...VALID_EVENT.message_create, message_data: undefined } };
    expect(sentMessageOfEvent(eventAnswer(bare), "38895958")).toMatchObject({ text: "", entities: EMPTY_ENTITIES });
  });

  it("refuses an event it cannot trust as upstream_bad_response that keeps the upstream's 2xx status", () => {
    const { message_create: mc } = VALID_EVENT;
    const malformed: unknown[] = [
      null,
      { event: null },
      { event: { ...VALID_EVENT, id: Number(BIG_ID) } },
      { event: { ...VALID_EVENT, id: "12a" } },
      { event: { ...VALID_EVENT, created_timestamp: "yesterday" } },
      { event: { ...VALID_EVENT, message_create: undefined } },
      { event: { ...VALID_EVENT, message_create: { ...mc, sender_id: 776627022 } } },
      { event: { ...VALID_EVENT, message_create: { ...mc, sender_id: "" } } },
    ];
    for (const json of malformed) {
      let thrown: unknown;
      try {
        sentMessageOfEvent({ status: 201, json }, "38895958");
      } catch (err) {
        thrown = err;
      }
      expect(thrown, JSON.stringify(json)).toBeInstanceOf(BridgeError);
      expect(thrown).toMatchObject({ kind: "upstream_bad_response", detail: { upstreamStatus: 201 } });
    }
  });
});

describe("XApi.sendMessage against the sandbox upstream: the same sent message from v1.1 and v2", () => {
  let upstream: SandboxUpstream;
  const fetch = createUndiciFetch();
  const now = Date.now();
  const options = () => ({ fetch, baseUrl: upstream.url, timeoutMs: 2_000, hmac: nodeHmac, clock: () => now, nonce: randomId });
  const send = (api: XApi, text: string) => api.sendMessage(DEMO, buildMessageCreateEvent("38895958", text));
  const quotaHeaders = () => ({
    "x-rate-limit-limit": "1000",
    "x-rate-limit-remaining": String(1_000 - upstream.sandbox.stats.events.length),
    "x-rate-limit-reset": String(Math.floor(now / 1000) + 86_400),
  });

  beforeAll(async () => {
    upstream = await startSandboxUpstream({ clock: () => now, dailyLimitPerUser: 1_000 });
  });
  afterEach(() => {
    upstream.sandbox.setFault("direct_messages/events/new", undefined);
    upstream.sandbox.setFault("2/dm_conversations/with/:id/messages", undefined);
  });
  afterAll(async () => {
    await fetch.close();
    await upstream.close();
  });

  // v1.1 answers the event it recorded; v2 only ids: the sender from the conversation id, the time on arrival.
  it.each([
    ["v1.1", createXApi, 200],
    ["v2", createXApiV2, 201],
  ] as const)("%s: the message the upstream recorded, with the answer's status and rate-limit headers", async (api, create, status) => {
    const answer = await send(create(options()), `via ${api}`);
    const recorded = upstream.sandbox.stats.events.at(-1)!;
    expect(answer.status).toBe(status);
    expect(answer.message).toEqual({
      id: recorded.id,
      createdAtMs: now,
      senderId: "776627022",
      recipientId: "38895958",
      text: `via ${api}`,
      entities: EMPTY_ENTITIES,
    });
    expect(answer.headers).toEqual(quotaHeaders());
  });

  it("an accepted send whose answer says nothing usable: upstream_bad_response with the 2xx status, from either", async () => {
    const garbage = (body: string, status: number) => ({ kind: "status" as const, status, body, headers: { "content-type": "application/json" } });
    upstream.sandbox.setFault("direct_messages/events/new", garbage('{"event":{"id":"1"}}', 200));
    await expect(send(createXApi(options()), "x")).rejects.toMatchObject({ kind: "upstream_bad_response", detail: { upstreamStatus: 200 } });
    for (const body of ['{"data":{"dm_conversation_id":"1-2"}}', "null", '{"data":{"dm_event_id":12}}']) {
      upstream.sandbox.setFault("2/dm_conversations/with/:id/messages", garbage(body, 201), 1);
      await expect(send(createXApiV2(options()), "x"), body).rejects.toMatchObject({ kind: "upstream_bad_response", detail: { upstreamStatus: 201 } });
    }
  });
});
