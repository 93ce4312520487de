import type { Dialect } from "./dialect";
import { twitter11 } from "./twitter-1-1";

/** Every legacy dialect the gateway speaks. The first is the default error form for paths no dialect owns. */
export const DIALECTS: readonly Dialect[] = [twitter11];

export function dialectForPath(path: string, dialects: readonly Dialect[] = DIALECTS): Dialect {
  let best: Dialect = dialects[0]!;
  let bestLength = -1;
  for (const d of dialects) {
    for (const prefix of d.prefixes) {
      if (path.startsWith(prefix) && prefix.length > bestLength) {
        best = d;
        bestLength = prefix.length;
      }
    }
  }
  return best;
}
