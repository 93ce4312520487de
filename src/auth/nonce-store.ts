import { BridgeError } from "../core/errors";
import { HashSet53 } from "./hash-set";

/** Remembers `(consumer, token, nonce, timestamp)` for the timestamp window, so a captured request cannot be replayed. */
export interface NonceStore {
  /**
   * True when the key was new and is now remembered; false when it was seen before. Throws `rate_limited` when it
   * cannot remember one more key: a request whose replay could not be refused is not sent.
   */
  remember(key: string, ttlMs: number): boolean | Promise<boolean>;
}

/** 300 s of 5,000 messages a second: 28 MB when full, measured (docs/security.md). */
export const DEFAULT_MAX_NONCES = 1_500_000;

/**
 * In memory, per process, for the life of the process. Every key is held until its own window ends, never dropped
 * earlier: a store that dropped live keys under load would let a captured request through again, and be sent
 * twice. When `max` live keys are held, new requests are refused (rate_limited, with Retry-After: when the next keys
 * expire): a capacity limit that the operator sees, rather than a replay hole that nobody sees.
 *
 * Keys are kept as 53-bit hashes under a per-process random seed, in a typed array (`HashSet53`), not as strings.
 * Two keys sharing a hash would refuse the second request as a replay: about one chance in six billion per request
 * with the store full, and never a double send. Expiries are whole seconds (rounded up, so a key is kept up to a second
 * longer, never shorter), filed by the second they fall in: each call sweeps the seconds that have passed since
 * the last one, whatever order the keys came in and however long their windows are.
 */
export function createMemoryNonceStore(max = DEFAULT_MAX_NONCES, clock: () => number = Date.now, seed?: readonly [number, number]): NonceStore {
  // Seconds counted from the store's creation: small integers, which V8 keeps without allocating a number object.
  const origin = Math.floor(clock() / 1000);
  const held = new HashSet53();
  const bySecond = new Map<number, number[]>();
  let nextToSweep = 0;

  function sweep(second: number): void {
    for (; nextToSweep <= second; nextToSweep++) {
      // Nothing held: skip the seconds in one step (a sidecar idle for a day would otherwise walk 86,400 of them).
      if (bySecond.size === 0) nextToSweep = second;
      const hashes = bySecond.get(nextToSweep);
      if (!hashes) continue;
      bySecond.delete(nextToSweep);
      // A key is added only while not held, so it sits in one second's list at a time: that list's own.
      for (const hash of hashes) held.delete(hash);
    }
  }

  function secondsUntilNextExpiry(now: number): number {
    let second = nextToSweep;
    while (bySecond.size > 0 && !bySecond.has(second)) second++;
    return Math.max(1, Math.ceil(second - now));
  }

  return {
    remember(key, ttlMs) {
      const now = clock() / 1000 - origin;
      sweep(Math.floor(now));
      // Drawn on first use: Workers refuse random values in global scope, where an app may be built.
      seed ??= randomSeed();
      const hash = hashKey(key, seed) || 1;
      // Whatever is still held after the sweep is live.
      if (held.has(hash)) return false;
      if (held.size >= max) {
        throw new BridgeError("rate_limited", { headers: { "retry-after": String(secondsUntilNextExpiry(now)) } });
      }
      // Never filed under a second already swept, which no sweep would reach again: after the clock steps back, a
      // key is held until the clock is past where it was (longer than its window, never shorter).
      const expiry = Math.max(nextToSweep, Math.ceil(now + ttlMs / 1000));
      held.add(hash);
      const second = bySecond.get(expiry);
      if (second) second.push(hash);
      else bySecond.set(expiry, [hash]);
      return true;
    },
  };
}

/** Two 32-bit multiplicative hashes of the key's UTF-16 units, joined into one 53-bit integer. */
export function hashKey(key: string, [seedA, seedB]: readonly [number, number]): number {
  let a = seedA ^ 0x811c9dc5;
  let b = seedB ^ 0x01000193;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  return (a >>> 0) * 2 ** 21 + ((b ^ (b >>> 16)) >>> 11);
}

function randomSeed(): [number, number] {
  const words = new Uint32Array(2);
  crypto.getRandomValues(words);
  return [words[0]!, words[1]!];
}
