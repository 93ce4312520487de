import { flattened, JsonInteger, RawJson, type JsonValue } from "./json";

export const XML_TYPE = "application/xml; charset=utf-8";

/**
 * Characters XML 1.0 cannot carry at all, not even as a character reference: C0 controls other than tab, LF and
 * CR, U+FFFE/U+FFFF, and unpaired surrogates. A message holding one would make the whole document unreadable, so it
 * becomes U+FFFD, as a lossy decoder would show it.
 */
const FORBIDDEN = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "\r": "&#13;" };

/** Anything escapeXmlText may change (a surrogate pair too): most values (ids, names, counts) hold none. */
const NEEDS_ESCAPE = /[&<>"'\r\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/;

/**
 * Text and attribute values as XML 1.0 can carry them. `>` covers `]]>`. CR goes as a reference because a parser
 * turns a literal CR LF into LF, and the message text must come back byte for byte.
 */
export function escapeXmlText(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(FORBIDDEN, "\uFFFD").replace(/[&<>"'\r]/g, (c) => ESCAPES[c]!);
}

export interface XmlDocumentOptions {
  /** Attributes of the root element, such as a namespace declaration. */
  rootAttributes?: Record<string, string>;
  /** Indentation per level; "" writes one element a line, as seed 002 shows. */
  indentBy?: string;
}

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/**
 * One legacy XML document, declared UTF-8, from the same ordered value the JSON form is written from: integers
 * (JsonInteger included) as their digits, booleans as `true`/`false`, null, "" and an empty object as an empty
 * element (`<url/>`); one element a line, each level indented by `indentBy`. Written by hand rather than by a
 * generic builder: the documents are small and fixed in shape, and the builder cost a third of a 1.0 XML
 * message's CPU time in workerd (docs/benchmarks.md).
 */
export function buildXmlDocument(root: string, value: JsonValue, options: XmlDocumentOptions = {}): string {
  let attributes = "";
  for (const [name, v] of Object.entries(options.rootAttributes ?? {})) attributes += ` ${name}="${escapeXmlText(v)}"`;
  return DECLARATION + element(root, attributes, value, "", options.indentBy ?? "  ");
}

function element(name: string, attributes: string, value: JsonValue | undefined, indent: string, indentBy: string): string {
  const text = textOf(value);
  if (text !== undefined) return text === "" ? `${indent}<${name}${attributes}/>` : `${indent}<${name}${attributes}>${escapeXmlText(text)}</${name}>`;
  const children = childrenOf(value as XmlObject, indent + indentBy, indentBy);
  return children === "" ? `${indent}<${name}${attributes}/>` : `${indent}<${name}${attributes}>${children}\n${indent}</${name}>`;
}

type XmlObject = { readonly [key: string]: JsonValue | undefined };

/**
 * The children of a frozen object that holds no other object are written once per indentation and kept: its values
 * cannot change. Users are (pickUserFields), and they are most of a message's elements.
 */
const writtenChildren = new WeakMap<XmlObject, Map<string, string>>();

function childrenOf(object: XmlObject, indent: string, indentBy: string): string {
  if (!Object.isFrozen(object)) return writeChildren(object, indent, indentBy);
  let byIndent = writtenChildren.get(object);
  let children = byIndent?.get(indent);
  if (children === undefined) {
    children = writeChildren(object, indent, indentBy);
    if (!Object.values(object).some((v) => typeof v === "object" && v !== null && !(v instanceof JsonInteger))) {
      if (!byIndent) writtenChildren.set(object, (byIndent = new Map()));
      byIndent.set(indent, (children = flattened(children)));
    }
  }
  return children;
}

function writeChildren(object: XmlObject, indent: string, indentBy: string): string {
  let children = "";
  for (const key of Object.keys(object)) {
    const v = object[key];
    if (v !== undefined) children += `\n${element(key, "", v, indent, indentBy)}`;
  }
  return children;
}

/** A scalar's text ("" for an empty element), or undefined for an object, whose children are elements. */
function textOf(value: JsonValue | undefined): string | undefined {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof JsonInteger) return value.digits;
  // No legacy DM document has a list; refusing one keeps a future caller from writing ambiguous XML by accident.
  // Pre-serialized JSON has no XML form either.
  if (Array.isArray(value) || value instanceof RawJson) throw new TypeError("lists and raw JSON have no XML form here");
  return undefined;
}
