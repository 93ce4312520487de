import { readFileSync } from "node:fs";
import { XMLParser, XMLValidator } from "fast-xml-parser";

/** An element and, when it has child elements, their outlines in document order; a leaf is just its name. */
export type Outline = string | { [name: string]: Outline[] };

type OrderedNode = Record<string, unknown> & { ":@"?: Record<string, string> };

const ordered = new XMLParser({ preserveOrder: true, ignoreAttributes: false, parseTagValue: false });
const plain = new XMLParser({ ignoreAttributes: false, parseTagValue: false, trimValues: false, htmlEntities: true });

export const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), "utf8");

function outlineOf(nodes: OrderedNode[]): Outline[] {
  const out: Outline[] = [];
  for (const node of nodes) {
    const name = Object.keys(node).find((k) => k !== ":@")!;
    if (name === "#text" || name.startsWith("?")) continue;
    const kids = outlineOf(node[name] as OrderedNode[]);
    out.push(kids.length ? { [name]: kids } : name);
  }
  return out;
}

/** The element structure of an XML document, checked well-formed first; text and attributes left out. */
export function outlineXml(xml: string): Outline {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not well-formed XML: ${JSON.stringify(valid)}`);
  const roots = outlineOf(ordered.parse(xml) as OrderedNode[]);
  if (roots.length !== 1) throw new Error(`expected one root element, got ${roots.length}`);
  return roots[0]!;
}

/** The same outline for a JSON object, keys in the order the text has them. */
export function outlineJson(value: unknown, name: string): Outline {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return name;
  return { [name]: Object.entries(value).map(([k, v]) => outlineJson(v, k)) };
}

/** Root element attributes, by name. */
export function rootAttributes(xml: string): Record<string, string> {
  const root = (ordered.parse(xml) as OrderedNode[]).find((n) => !Object.keys(n).some((k) => k.startsWith("?")));
  const attrs = root?.[":@"] ?? {};
  return Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k.replace(/^@_/, ""), v]));
}

/** Parses a document as a client would, every value a string, whitespace kept, character references decoded. */
// biome-ignore lint/suspicious/noExplicitAny: a parsed document of any shape, read by tests as a client would
export function parseXml(xml: string): Record<string, any> {
  // biome-ignore lint/suspicious/noExplicitAny: as above
  return dropIndentation(plain.parse(xml)) as Record<string, any>;
}

/** Whitespace between elements is layout, not content; a leaf's text, spaces included, is kept. */
function dropIndentation(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  const entries = Object.entries(value);
  const hasElements = entries.some(([k]) => k !== "#text" && !k.startsWith("@_"));
  for (const [k, v] of entries) {
    if (k === "#text" && hasElements && typeof v === "string" && v.trim() === "") continue;
    out[k] = dropIndentation(v);
  }
  return out;
}

/** The XML declaration as written, so a test can insist on UTF-8. */
export const declarationOf = (xml: string) => /^<\?xml[^?]*\?>/.exec(xml)?.[0];
