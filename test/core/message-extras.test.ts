import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BridgeError } from "../../src/core/errors";
import { parseMessageExtras } from "../../src/core/message-extras";

const failure = (params: [string, string][]) => {
  try {
    parseMessageExtras(params);
  } catch (e) {
    return e instanceof BridgeError ? `${e.kind}:${e.detail.param}` : "not a BridgeError";
  }
  return "accepted";
};
const options = (list: unknown) => [["quick_reply_options", JSON.stringify(list)]] as [string, string][];

describe("media_id and quick_reply_options", () => {
  it("adds nothing when neither is sent, or when sent empty", () => {
    expect(parseMessageExtras([["text", "x"]])).toEqual({});
    expect(
      parseMessageExtras([
        ["media_id", ""],
        ["quick_reply_options", ""],
      ]),
    ).toEqual({});
  });

  it("maps one media id into a media attachment, digits exact above 2^53", () => {
    expect(parseMessageExtras([["media_id", "1855000000000000777"]])).toEqual({ attachment: { type: "media", media: { id: "1855000000000000777" } } });
  });

  it("refuses a list of media ids, a non-numeric one, and media_id sent twice", () => {
    expect(failure([["media_id", "1,2"]])).toBe("param_invalid:media_id");
    expect(failure([["media_id", "abc"]])).toBe("param_invalid:media_id");
    expect(
      failure([
        ["media_id", "1"],
        ["media_id", "2"],
      ]),
    ).toBe("param_invalid:media_id");
  });

  it("maps options into quick_reply, keeping only the fields given", () => {
    const list = [{ label: "Red Bird", description: "A description about the red bird.", metadata: "external_id_1" }, { label: "Blue" }];
    expect(parseMessageExtras(options(list))).toEqual({ quick_reply: { type: "options", options: list } });
  });

  it("accepts the limits exactly: 20 options, label 36, description 72, metadata 1000 characters (emoji count as one)", () => {
    const full = { label: "🐦".repeat(36), description: "d".repeat(72), metadata: "m".repeat(1000) };
    expect(parseMessageExtras(options(Array(20).fill(full))).quick_reply?.options).toHaveLength(20);
  });

  it("refuses one past each limit, an empty list, missing or empty labels, unknown keys, and JSON that is not a list", () => {
    const bad: unknown[] = [
      Array(21).fill({ label: "x" }),
      [{ label: "l".repeat(37) }],
      [{ label: "x", description: "d".repeat(73) }],
      [{ label: "x", metadata: "m".repeat(1001) }],
      [],
      [{ description: "no label" }],
      [{ label: " " }],
      [{ label: "x", colour: "red" }],
      [{ label: 5 }],
      { label: "x" },
      ["x"],
    ];
    for (const list of bad) expect(failure(options(list)), JSON.stringify(list).slice(0, 60)).toBe("param_invalid:quick_reply_options");
    expect(failure([["quick_reply_options", "[{label:"]])).toBe("param_invalid:quick_reply_options");
  });
});

describe("extras parser under random input", () => {
  it("either accepts within the limits or refuses with param_invalid, never anything else", () => {
    const option = fc.record(
      {
        label: fc.string({ maxLength: 40 }),
        description: fc.option(fc.string({ maxLength: 80 }), { nil: undefined }),
        metadata: fc.option(fc.string({ maxLength: 1010 }), { nil: undefined }),
      },
      { requiredKeys: [] },
    );
    const raw = fc.oneof(
      fc.string(),
      fc.json(),
      fc.array(option, { maxLength: 22 }).map((l) => JSON.stringify(l)),
    );
    fc.assert(
      fc.property(raw, fc.oneof(fc.constant(""), fc.string(), fc.bigInt({ min: 0n, max: 10n ** 21n }).map(String)), (options, mediaId) => {
        try {
          const extras = parseMessageExtras([
            ["quick_reply_options", options],
            ["media_id", mediaId],
          ]);
          for (const o of extras.quick_reply?.options ?? []) {
            expect([...o.label].length).toBeLessThanOrEqual(36);
            expect([...(o.description ?? "")].length).toBeLessThanOrEqual(72);
            expect([...(o.metadata ?? "")].length).toBeLessThanOrEqual(1000);
          }
          expect(extras.quick_reply?.options.length ?? 1).toBeGreaterThan(0);
          expect(extras.quick_reply?.options.length ?? 0).toBeLessThanOrEqual(20);
          if (extras.attachment) expect(extras.attachment.media.id).toMatch(/^[0-9]{1,20}$/);
        } catch (e) {
          expect(e instanceof BridgeError && e.kind === "param_invalid").toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
