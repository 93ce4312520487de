/**
 * A set of 53-bit integer keys (hashes) in one Float64Array: 8 bytes a slot, at most 3/4 full (it doubles past
 * that, and never shrinks: sized for the most keys it has held), so 11 to 21 bytes a key while it grows. A Map of
 * the same keys takes several times the memory and gives the garbage collector a million and more objects to mark
 * (docs/benchmarks.md); a typed array gives it none. Open addressing with linear probing; deletion shifts the
 * following run back, so no tombstones pile up under steady churn. The keys are seeded hashes, spread evenly, so
 * runs stay short at three quarters full (about 8 probes for a key not held).
 */
export class HashSet53 {
  private keys: Float64Array;
  private mask: number;
  private shift: number;
  size = 0;

  constructor(initialCapacity = 1024) {
    const capacity = 2 ** Math.ceil(Math.log2(Math.max(16, initialCapacity)));
    this.keys = new Float64Array(capacity);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
  }

  /** `key` is a positive integer below 2^53 (0 marks an empty slot). */
  has(key: number): boolean {
    for (let i = this.home(key); ; i = (i + 1) & this.mask) {
      const k = this.keys[i]!;
      if (k === key) return true;
      if (k === 0) return false;
    }
  }

  add(key: number): void {
    if ((this.size + 1) * 4 > this.keys.length * 3) this.grow();
    let i = this.home(key);
    while (this.keys[i] !== 0 && this.keys[i] !== key) i = (i + 1) & this.mask;
    if (this.keys[i] === 0) this.size++;
    this.keys[i] = key;
  }

  delete(key: number): void {
    let i = this.home(key);
    while (this.keys[i] !== key) {
      if (this.keys[i] === 0) return;
      i = (i + 1) & this.mask;
    }
    // Shift back every following entry whose home slot lies at or before the hole, so lookups never stop short.
    for (let j = (i + 1) & this.mask; this.keys[j] !== 0; j = (j + 1) & this.mask) {
      const home = this.home(this.keys[j]!);
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!between) {
        this.keys[i] = this.keys[j]!;
        i = j;
      }
    }
    this.keys[i] = 0;
    this.size--;
  }

  private home(key: number): number {
    // Fibonacci hashing of the key's low 32 bits (ToUint32 takes them modulo 2^32): the top bits of the product.
    return Math.imul(key >>> 0, 0x9e3779b1) >>> this.shift;
  }

  private grow(): void {
    const { keys } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.mask = this.keys.length - 1;
    this.shift -= 1;
    this.size = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) this.add(keys[i]!);
  }
}
