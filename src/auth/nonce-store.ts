import { BridgeError } from "../core/errors";

/** Remembers `(consumer, token, nonce, timestamp)` for the timestamp window, so a captured request cannot be replayed. */
export interface NonceStore {
  /**
   * True when the key was new and is now remembered; false when it was seen before. Throws `rate_limited` when it
   * cannot remember one more key: a request whose replay could not be refused is not sent.
   */
  remember(key: string, ttlMs: number): boolean | Promise<boolean>;
}

/** 45 bytes of heap per key (measured): 2,000,000 keys hold 300 s of 6,600 messages per second in 90 MB. */
export const DEFAULT_MAX_NONCES = 2_000_000;

/**
 * In memory, per process, for the life of the process. Every key is held until its window ends, never dropped
 * early: a store that dropped live keys under load would let a captured request through again, and be sent twice.
 * When `max` keys are all live, new requests are refused (429, Retry-After: when the oldest key expires) until
 * keys expire: a capacity limit that the operator sees, rather than a replay hole that nobody sees.
 *
 * Keys are kept as 53-bit hashes under a per-process random seed rather than as strings (a quarter of the memory).
 * Two different keys sharing a hash would refuse the second request as a replay: about one chance in 4.5 billion
 * per request with the store full, and never a double send.
 *
 * A Map in insertion order rather than an LRU: keys of one window expire in about the order they came, so pruning
 * from the front is enough, and it allocates as it fills (a preallocated LRU costs about 20 ms up front, which on
 * Workers lands on an isolate's first request).
 */
export function createMemoryNonceStore(
  max = DEFAULT_MAX_NONCES,
  clock: () => number = Date.now,
  seed: readonly [number, number] = randomSeed(),
): NonceStore {
  const expiries = new Map<number, number>();
  return {
    remember(key, ttlMs) {
      const now = clock();
      for (const [oldest, expiry] of expiries) {
        if (expiry > now) break;
        expiries.delete(oldest);
      }
      const hash = hashKey(key, seed);
      const expiry = expiries.get(hash);
      if (expiry !== undefined && expiry > now) return false;
      if (expiry === undefined && expiries.size >= max) {
        const oldest = expiries.values().next().value as number;
        const retryAfter = String(Math.max(1, Math.ceil((oldest - now) / 1000)));
        throw new BridgeError("rate_limited", { headers: { "retry-after": retryAfter } });
      }
      expiries.delete(hash);
      expiries.set(hash, now + ttlMs);
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
