import fc from "fast-check";
import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { JsonInteger, type JsonValue } from "../../src/core/json";
import { buildXmlDocument, escapeXmlText } from "../../src/core/xml";

const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, trimValues: false, htmlEntities: true });
const FORBIDDEN = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function roundTrip(text: string): unknown {
  const xml = buildXmlDocument("m", { text, after: "x" });
  expect(XMLValidator.validate(xml)).toBe(true);
  return parser.parse(xml).m.text;
}

function deepFreeze(value: JsonValue): void {
  if (typeof value !== "object" || value === null || value instanceof JsonInteger) return;
  for (const v of Object.values(value)) if (v !== undefined) deepFreeze(v as JsonValue);
  Object.freeze(value);
}

describe("XML documents", () => {
  it("declares UTF-8 and writes ids from digits, flags as true/false, null and empty as <x/>", () => {
    const xml = buildXmlDocument(
      "direct_message",
      {
        id: new JsonInteger("1855000000000000999"),
        count: 3,
        protected: false,
        verified: true,
        url: null,
        location: "",
      },
      { indentBy: "" },
    );
    expect(xml).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<direct_message>",
        "<id>1855000000000000999</id>",
        "<count>3</count>",
        "<protected>false</protected>",
        "<verified>true</verified>",
        "<url/>",
        "<location/>",
        "</direct_message>",
      ].join("\n"),
    );
  });

  it("writes root attributes and nested elements with the given indentation", () => {
    const xml = buildXmlDocument(
      "direct_message",
      { sender: { id: "1" } },
      { rootAttributes: { "xmlns:statusnet": "http://status.net/schema/api/1/" }, indentBy: " " },
    );
    expect(xml).toContain('<direct_message xmlns:statusnet="http://status.net/schema/api/1/">\n <sender>\n  <id>1</id>\n </sender>\n</direct_message>');
  });

  it("escapes the five markup characters, so `]]>` and a closing tag stay text", () => {
    expect(escapeXmlText(`a & b < c > d " e ' f ]]> </text>`)).toBe("a &amp; b &lt; c &gt; d &quot; e &apos; f ]]&gt; &lt;/text&gt;");
    expect(roundTrip("</text><injected>1</injected>")).toBe("</text><injected>1</injected>");
  });

  it("keeps tab, LF and CR (as &#13;), and replaces what XML 1.0 forbids with U+FFFD", () => {
    expect(escapeXmlText("a\tb\nc\r\nd")).toBe("a\tb\nc&#13;\nd");
    expect(roundTrip("a\tb\nc\r\nd")).toBe("a\tb\nc\r\nd");
    expect(escapeXmlText("\u0000\u0001\u0008\u000B\u000C\u001F\uFFFE\uFFFF")).toBe("\uFFFD".repeat(8));
    expect(escapeXmlText("lone \uD800 and \uDC00, pair 🐦")).toBe("lone \uFFFD and \uFFFD, pair 🐦");
  });

  it("round-trips any text through a real XML parser, forbidden characters aside", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", minLength: 1, maxLength: 60 }), (s) => {
        expect(roundTrip(s)).toBe(s.replace(FORBIDDEN, "\uFFFD"));
      }),
      { numRuns: 300 },
    );
  });

  it("writes a frozen object kept from an earlier document at the depth where it is now", () => {
    const user = Object.freeze({ id: new JsonInteger("12"), name: "a & b" });
    expect(buildXmlDocument("m", { sender: user }, { indentBy: " " })).toContain("\n <sender>\n  <id>12</id>\n  <name>a &amp; b</name>\n </sender>");
    expect(buildXmlDocument("m", { deeper: { sender: user } }, { indentBy: " " })).toContain(
      "\n  <sender>\n   <id>12</id>\n   <name>a &amp; b</name>\n  </sender>",
    );
  });

  it("refuses a list, which no legacy DM document has", () => {
    expect(() => buildXmlDocument("m", { ids: [1, 2] })).toThrow(TypeError);
  });

  it("writes every document byte for byte as fast-xml-parser's builder did before the writer was hand-written", () => {
    // The builder as src/core/xml.ts configured it, with its escaping: clients parsed these documents for years.
    const escapeValue = (_: string, v: unknown) => (typeof v === "string" ? escapeXmlText(v) : v);
    const builders = new Map<string, XMLBuilder>();
    const builderFor = (indentBy: string) => {
      const options = { ignoreAttributes: false, attributeNamePrefix: "@_", format: true, indentBy, suppressEmptyNode: true, processEntities: false };
      if (!builders.has(indentBy)) builders.set(indentBy, new XMLBuilder({ ...options, tagValueProcessor: escapeValue, attributeValueProcessor: escapeValue }));
      return builders.get(indentBy)!;
    };
    type Tree = string | null | { [name: string]: Tree };
    const toTree = (v: JsonValue | undefined): Tree => {
      if (v === undefined || v === null) return null;
      if (v instanceof JsonInteger) return v.digits;
      if (typeof v === "number") return Number.isFinite(v) ? String(v) : null;
      if (typeof v === "boolean") return v ? "true" : "false";
      if (typeof v === "string") return v;
      const out: Record<string, Tree> = {};
      for (const [k, c] of Object.entries(v)) if (c !== undefined) out[k] = toTree(c as JsonValue);
      return out;
    };
    const reference = (root: string, value: JsonValue, attributes: Record<string, string>, indentBy: string) => {
      const body = toTree(value);
      const attrs = Object.fromEntries(Object.entries(attributes).map(([k, v]) => [`@_${k}`, v]));
      const rootNode = typeof body === "object" && body !== null ? { ...attrs, ...body } : body;
      return builderFor(indentBy)
        .build({ "?xml": { "@_version": "1.0", "@_encoding": "UTF-8" }, [root]: rootNode })
        .trimEnd();
    };
    const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/);
    const scalar = fc.oneof(
      fc.string({ unit: "binary", maxLength: 20 }),
      fc.constant(""),
      fc.constant(null),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.bigInt({ min: 0n, max: 2n ** 64n }).map((n) => new JsonInteger(String(n))),
    );
    const { tree } = fc.letrec<{ tree: JsonValue }>((tie) => ({
      tree: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, fc.dictionary(name, tie("tree"), { maxKeys: 5 })),
    }));
    const options = fc.record({
      attributes: fc.dictionary(fc.stringMatching(/^[a-z]{1,5}(:[a-z]{1,5})?$/), fc.string({ maxLength: 12 }), { maxKeys: 2 }),
      indentBy: fc.constantFrom("", " ", "  "),
    });
    fc.assert(
      fc.property(name, fc.dictionary(name, tree, { maxKeys: 6 }), options, (root, value, { attributes, indentBy }) => {
        const expected = reference(root, value, attributes, indentBy);
        expect(buildXmlDocument(root, value, { rootAttributes: attributes, indentBy })).toBe(expected);
        // Frozen objects' elements are kept once written: the same document again, and at another indentation.
        deepFreeze(value);
        expect(buildXmlDocument(root, value, { rootAttributes: attributes, indentBy })).toBe(expected);
        expect(buildXmlDocument(root, value, { rootAttributes: attributes, indentBy: `${indentBy}\t` })).toBe(
          reference(root, value, attributes, `${indentBy}\t`),
        );
        expect(buildXmlDocument(root, value, { rootAttributes: attributes, indentBy })).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});
