import type { Dialect, Format } from "./dialect";
import { sinaWeibo } from "./sina-weibo";
import { statusNet } from "./statusnet";
import { twitter10 } from "./twitter-1-0";
import { twitter11 } from "./twitter-1-1";

/**
 * Every legacy dialect the gateway speaks. The first is the default error form for paths no dialect owns; where
 * two dialects declare the same path (Twitter 1.0 and Sina share the unversioned one), the earlier serves it unless
 * the deployment prefers the other.
 */
export const DIALECTS: readonly Dialect[] = [twitter11, twitter10, sinaWeibo, statusNet];

export interface ServedRoute {
  /** Path with extension, as the client calls it. */
  path: string;
  format: Format;
  dialect: Dialect;
}

/** Orders dialects for a shared path or prefix: preferred ones first, then declaration order. */
function byPreference(dialects: readonly Dialect[], preferred: readonly string[]): Dialect[] {
  const rank = (d: Dialect) => (preferred.includes(d.name) ? 0 : 1);
  return dialects
    .map((dialect, order) => ({ dialect, order }))
    .sort((a, b) => rank(a.dialect) - rank(b.dialect) || a.order - b.order)
    .map((ranked) => ranked.dialect);
}

/** Each `path.format` once, served by the dialect that wins it. */
export function routeTable(dialects: readonly Dialect[] = DIALECTS, preferred: readonly string[] = []): ServedRoute[] {
  const served = new Map<string, ServedRoute>();
  for (const dialect of byPreference(dialects, preferred)) {
    for (const route of dialect.routes) {
      for (const format of route.formats) {
        const path = `${route.path}.${format}`;
        if (!served.has(path)) served.set(path, { path, format, dialect });
      }
    }
  }
  return [...served.values()];
}

/**
 * Which dialect answers a path (for errors on unknown paths, before any route matched): the longest prefix wins,
 * a preferred dialect on a tie. The table is built once, not on every request.
 */
export function createDialectFinder(dialects: readonly Dialect[] = DIALECTS, preferred: readonly string[] = []): (path: string) => Dialect {
  const byPrefix = byPreference(dialects, preferred)
    .flatMap((dialect) => dialect.prefixes.map((prefix) => ({ prefix, dialect })))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  const fallback = dialects[0]!;
  return (path) => byPrefix.find((owner) => path.startsWith(owner.prefix))?.dialect ?? fallback;
}
