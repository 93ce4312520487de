import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatCreatedAt } from "../../src/core/created-at";
import { BridgeError } from "../../src/core/errors";
import { withExactIds } from "../../src/core/exact-ids";
import { JsonInteger, serializeJson } from "../../src/core/json";
import { parseLegacyRequest, type RecipientParamRules } from "../../src/core/legacy-request";
import { parseForm } from "../../src/http/form";

const RULES_1_1: RecipientParamRules = { byId: ["user_id"], byScreenName: ["screen_name"], ambiguous: ["user"] };

function kindOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof BridgeError ? `${e.kind}:${e.detail.param ?? ""}` : "not a BridgeError";
  }
  return undefined;
}

describe("created_at", () => {
  it("writes the legacy form in UTC, zero-padded", () => {
    expect(formatCreatedAt(Date.UTC(2012, 7, 28, 0, 59, 49))).toBe("Tue Aug 28 00:59:49 +0000 2012");
    expect(formatCreatedAt(Date.UTC(2010, 3, 25, 0, 7, 6))).toBe("Sun Apr 25 00:07:06 +0000 2010");
  });
});

describe("exact ids in JSON", () => {
  it("writes integers above 2^53 digit for digit, as numbers", () => {
    const body = serializeJson({ id: new JsonInteger("1855000000000000001"), id_str: "1855000000000000001", n: [1, null, true] });
    expect(body).toBe('{"id":1855000000000000001,"id_str":"1855000000000000001","n":[1,null,true]}');
  });

  it("restores a rounded upstream id from its _str sibling, at any depth", () => {
    const parsed = JSON.parse('{"id":1855000000000000999,"id_str":"1855000000000000999","m":[{"id":9007199254740993,"id_str":"9007199254740993"}]}');
    expect(serializeJson(withExactIds(parsed))).toBe(
      '{"id":1855000000000000999,"id_str":"1855000000000000999","m":[{"id":9007199254740993,"id_str":"9007199254740993"}]}',
    );
  });

  it("escapes text as JSON does, so a message cannot break the document", () => {
    const text = 'quote " backslash \\ newline \n nul \u0000 emoji 🐦';
    expect(JSON.parse(serializeJson({ text }))).toEqual({ text });
  });
});

describe("legacy request parsing", () => {
  it("takes user_id over screen_name over user, and strips a leading @", () => {
    expect(
      parseLegacyRequest(
        [
          ["text", "hi"],
          ["screen_name", "b"],
          ["user_id", "7"],
        ],
        RULES_1_1,
      ).recipient,
    ).toEqual({ by: "id", value: "7" });
    expect(
      parseLegacyRequest(
        [
          ["text", "hi"],
          ["screen_name", "@Bob"],
        ],
        RULES_1_1,
      ).recipient,
    ).toEqual({ by: "screen_name", value: "Bob" });
  });

  it("reads an all-digit `user` as an id and a numeric `screen_name` as a name", () => {
    expect(
      parseLegacyRequest(
        [
          ["text", "x"],
          ["user", "12345"],
        ],
        RULES_1_1,
      ).recipient,
    ).toEqual({ by: "id", value: "12345" });
    expect(
      parseLegacyRequest(
        [
          ["text", "x"],
          ["user", "noradio"],
        ],
        RULES_1_1,
      ).recipient,
    ).toEqual({ by: "screen_name", value: "noradio" });
    expect(
      parseLegacyRequest(
        [
          ["text", "x"],
          ["screen_name", "12345"],
        ],
        RULES_1_1,
      ).recipient,
    ).toEqual({ by: "screen_name", value: "12345" });
  });

  it("follows a dialect's own precedence and never reads, nor counts repeats of, its ignored parameters", () => {
    const statusNet: RecipientParamRules = { ...RULES_1_1, precedence: ["ambiguous", "byId", "byScreenName"], ignored: ["source"] };
    const params = [
      ["text", "x"],
      ["user_id", "7"],
      ["user", "bob"],
      ["source", "a"],
      ["source", "b"],
    ] as const;
    expect(parseLegacyRequest(params, statusNet).recipient).toEqual({ by: "screen_name", value: "bob" });
    expect(kindOf(() => parseLegacyRequest(params, RULES_1_1))).toBe("param_invalid:source");
  });

  it("refuses a missing recipient or text, a non-numeric user_id, a repeated parameter, and text over 10,000", () => {
    expect(kindOf(() => parseLegacyRequest([["text", "x"]], RULES_1_1))).toBe("param_missing:screen_name");
    expect(kindOf(() => parseLegacyRequest([["user", "a"]], RULES_1_1))).toBe("text_missing:text");
    expect(
      kindOf(() =>
        parseLegacyRequest(
          [
            ["user", "a"],
            ["text", ""],
          ],
          RULES_1_1,
        ),
      ),
    ).toBe("text_missing:text");
    expect(
      kindOf(() =>
        parseLegacyRequest(
          [
            ["user_id", "12a"],
            ["text", "x"],
          ],
          RULES_1_1,
        ),
      ),
    ).toBe("param_invalid:user_id");
    expect(
      kindOf(() =>
        parseLegacyRequest(
          [
            ["user", "a"],
            ["text", "x"],
            ["text", "y"],
          ],
          RULES_1_1,
        ),
      ),
    ).toBe("param_invalid:text");
    expect(
      kindOf(() =>
        parseLegacyRequest(
          [
            ["user", "a"],
            ["text", "🐦".repeat(10_001)],
          ],
          RULES_1_1,
        ),
      ),
    ).toBe("text_too_long:");
    expect(
      parseLegacyRequest(
        [
          ["user", "a"],
          ["text", "🐦".repeat(10_000)],
        ],
        RULES_1_1,
      ).text,
    ).toHaveLength(20_000);
  });
});

describe("form parsing", () => {
  it("decodes + as space and percent-encoded UTF-8, keeping repeats in order", () => {
    expect(parseForm("text=a+b%2Bc%F0%9F%90%A6&x&x=2")).toEqual([
      ["text", "a b+c🐦"],
      ["x", ""],
      ["x", "2"],
    ]);
  });

  it("refuses percent-encoded bytes that are not UTF-8", () => {
    expect(kindOf(() => parseForm("text=%FF%FE"))).toBe("param_invalid:encoding");
  });

  it("decodes any percent-encoded bytes exactly as a strict UTF-8 decoder does, a bare % kept as it is", () => {
    // ignoreBOM: a value's leading U+FEFF is text the client signed, kept as it is.
    const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    // Byte values near the UTF-8 boundaries (lead bytes, continuations, surrogates, overlongs) more often than by chance.
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 12 }), fc.boolean(), (bytes, bare) => {
        const escaped = bytes.map((b) => `%${b.toString(16).padStart(2, "0")}`).join("") + (bare ? "%z" : "");
        let expected: string | undefined;
        try {
          expected = strict.decode(new Uint8Array(bytes)) + (bare ? "%z" : "");
        } catch {
          expected = undefined;
        }
        if (expected === undefined) expect(kindOf(() => parseForm(`text=${escaped}`))).toBe("param_invalid:encoding");
        else expect(parseForm(`text=${escaped}`)).toEqual([["text", expected]]);
      }),
      { numRuns: 2_000 },
    );
    expect(parseForm("a=%EF%BB%BFabc&b=%EF%BB%BF%")).toEqual([
      ["a", "\uFEFFabc"],
      ["b", "\uFEFF%"],
    ]);
  });
});
