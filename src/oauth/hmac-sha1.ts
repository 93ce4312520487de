import type { HmacSha1 } from "./signature";

/**
 * HMAC-SHA1 (RFC 2104, FIPS 180-4) in plain JavaScript, synchronous, for runtimes without node:crypto. On Workers
 * each `crypto.subtle.sign` is a promise settled by the runtime outside JavaScript, and the two signatures of a
 * message cost about a sixth of its CPU time there; this costs a few microseconds (docs/benchmarks.md). Each key's
 * inner and outer pad is hashed once and kept (at most `maxKeys` keys, as a gateway signs with a few keys all day),
 * so a signature hashes only the data and one block more. No branch and no table index depends on the bytes of the
 * key or of the data (only on their lengths), and the signatures it makes are compared with constantTimeEqual.
 */
export function createHmacSha1(maxKeys = 256): HmacSha1 {
  const pads = new Map<string, KeyPads>();
  return (key, data) => {
    let keyPads = pads.get(key);
    if (!keyPads) {
      if (pads.size >= maxKeys) pads.delete(pads.keys().next().value as string);
      keyPads = padsOf(encoder.encode(key));
      pads.set(key, keyPads);
    }
    const inner = digestFrom(keyPads.inner, encoder.encode(data));
    return toBase64(digestFrom(keyPads.outer, inner));
  };
}

/** SHA-1 states after the key's first block, XORed with 0x36 (inner) and with 0x5c (outer). */
interface KeyPads {
  inner: Int32Array;
  outer: Int32Array;
}

const encoder = new TextEncoder();
const BLOCK = 64;
const INITIAL = Int32Array.of(0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0);

function padsOf(keyBytes: Uint8Array): KeyPads {
  // A key longer than a block is hashed first (RFC 2104 section 2).
  const key = keyBytes.length > BLOCK ? sha1(keyBytes) : keyBytes;
  const block = new Uint8Array(BLOCK);
  const inner = INITIAL.slice();
  const outer = INITIAL.slice();
  for (let i = 0; i < BLOCK; i++) block[i] = (key[i] ?? 0) ^ 0x36;
  compress(inner, block, 0);
  for (let i = 0; i < BLOCK; i++) block[i] = (key[i] ?? 0) ^ 0x5c;
  compress(outer, block, 0);
  return { inner, outer };
}

function sha1(bytes: Uint8Array): Uint8Array {
  return finish(INITIAL.slice(), bytes, 0);
}

/** The digest of (one block already hashed into `state`) followed by `data`. */
function digestFrom(state: Int32Array, data: Uint8Array): Uint8Array {
  return finish(state.slice(), data, BLOCK);
}

const tail = new Uint8Array(2 * BLOCK);

/** Hashes `data` into `state` (after `before` bytes already hashed), pads, and returns the 20-byte digest. */
function finish(state: Int32Array, data: Uint8Array, before: number): Uint8Array {
  const full = data.length - (data.length % BLOCK);
  for (let at = 0; at < full; at += BLOCK) compress(state, data, at);
  // The last bytes, 0x80, zeros, and the length in bits as a 64-bit big-endian number: one block or two.
  const rest = data.length - full;
  const end = rest + 9 <= BLOCK ? BLOCK : 2 * BLOCK;
  for (let i = 0; i < rest; i++) tail[i] = data[full + i]!;
  tail[rest] = 0x80;
  tail.fill(0, rest + 1, end - 5);
  // Under 2^32 bytes, so the bit length fits in 35 bits: the high word holds its top 3 bits.
  const length = before + data.length;
  tail[end - 5] = length >>> 29;
  writeWord(tail, end - 4, length << 3);
  compress(state, tail, 0);
  if (end > BLOCK) compress(state, tail, BLOCK);
  const digest = new Uint8Array(20);
  for (let i = 0; i < 5; i++) writeWord(digest, 4 * i, state[i]!);
  return digest;
}

function writeWord(bytes: Uint8Array, at: number, word: number): void {
  bytes[at] = word >>> 24;
  bytes[at + 1] = word >>> 16;
  bytes[at + 2] = word >>> 8;
  bytes[at + 3] = word;
}

const w = new Int32Array(80);

/**
 * One 64-byte block of `bytes` at `at` into the five-word state. The four kinds of rounds are four loops on purpose:
 * one loop choosing the kind each round made a signature 6.5 µs instead of 4.0 in workerd.
 */
function compress(state: Int32Array, bytes: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++) {
    const j = at + 4 * i;
    w[i] = (bytes[j]! << 24) | (bytes[j + 1]! << 16) | (bytes[j + 2]! << 8) | bytes[j + 3]!;
  }
  for (let i = 16; i < 80; i++) {
    const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
    w[i] = (x << 1) | (x >>> 31);
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let t: number;
  for (let i = 0; i < 20; i++) {
    t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + w[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (let i = 20; i < 40; i++) {
    t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + w[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (let i = 40; i < 60; i++) {
    t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + 0x8f1bbcdc + w[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (let i = 60; i < 80; i++) {
    t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0xca62c1d6 + w[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary);
}
