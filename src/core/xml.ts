import { XMLBuilder } from "fast-xml-parser";
import { JsonInteger, type JsonValue } from "./json";

export const XML_TYPE = "application/xml; charset=utf-8";

/**
 * Characters XML 1.0 cannot carry at all, not even as a character reference: C0 controls other than tab, LF and
 * CR, U+FFFE/U+FFFF, and unpaired surrogates. A message holding one would make the whole document unreadable, so it
 * becomes U+FFFD, as a lossy decoder would show it.
 */
const FORBIDDEN = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "\r": "&#13;" };

/**
 * Text and attribute values as XML 1.0 can carry them. `>` covers `]]>`. CR goes as a reference because a parser
 * turns a literal CR LF into LF, and the message text must come back byte for byte. Done here rather than by the
 * builder's processEntities, which escapes only the five predefined characters.
 */
export function escapeXmlText(value: string): string {
  return value.replace(FORBIDDEN, "\uFFFD").replace(/[&<>"'\r]/g, (c) => ESCAPES[c]!);
}

const escapeValue = (_name: string, value: unknown) => (typeof value === "string" ? escapeXmlText(value) : value);

type XmlTree = string | null | { [name: string]: XmlTree };

export interface XmlDocumentOptions {
  /** Attributes of the root element, such as a namespace declaration. */
  rootAttributes?: Record<string, string>;
  /** Indentation per level; "" writes one element a line, as seed 002 shows. */
  indentBy?: string;
}

const builders = new Map<string, XMLBuilder>();

function builderFor(indentBy: string): XMLBuilder {
  let builder = builders.get(indentBy);
  if (!builder) {
    builder = new XMLBuilder({
      ignoreAttributes: false,
      attributeNamePrefix: "@_",
      format: true,
      indentBy,
      suppressEmptyNode: true,
      processEntities: false,
      tagValueProcessor: escapeValue,
      attributeValueProcessor: escapeValue,
    });
    builders.set(indentBy, builder);
  }
  return builder;
}

/**
 * One legacy XML document, declared UTF-8, from the same ordered value the JSON form is written from: integers
 * (JsonInteger included) as their digits, booleans as `true`/`false`, null and "" as an empty element (`<url/>`).
 */
export function buildXmlDocument(root: string, value: JsonValue, options: XmlDocumentOptions = {}): string {
  const body = toXmlTree(value);
  const attributes = Object.fromEntries(Object.entries(options.rootAttributes ?? {}).map(([k, v]) => [`@_${k}`, v]));
  const rootNode = typeof body === "object" && body !== null ? { ...attributes, ...body } : body;
  return builderFor(options.indentBy ?? "  ")
    .build({ "?xml": { "@_version": "1.0", "@_encoding": "UTF-8" }, [root]: rootNode })
    .trimEnd();
}

function toXmlTree(value: JsonValue | undefined): XmlTree {
  if (value === undefined || value === null) return null;
  if (value instanceof JsonInteger) return value.digits;
  if (typeof value === "string") return value;
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : null;
  if (typeof value === "boolean") return value ? "true" : "false";
  // No legacy DM document has a list; refusing one keeps a future caller from writing ambiguous XML by accident.
  if (Array.isArray(value)) throw new TypeError("lists have no XML form here");
  const out: Record<string, XmlTree> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined) out[k] = toXmlTree(v);
  }
  return out;
}
