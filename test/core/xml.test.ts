import fc from "fast-check";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { JsonInteger } from "../../src/core/json";
import { buildXmlDocument, escapeXmlText } from "../../src/core/xml";

const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, trimValues: false, htmlEntities: true });
const FORBIDDEN = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function roundTrip(text: string): unknown {
  const xml = buildXmlDocument("m", { text, after: "x" });
  expect(XMLValidator.validate(xml)).toBe(true);
  return parser.parse(xml).m.text;
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

  it("refuses a list, which no legacy DM document has", () => {
    expect(() => buildXmlDocument("m", { ids: [1, 2] })).toThrow(TypeError);
  });
});
