/**
 * A set of Pax8 ids sized for a million of them: a lowercase UUID (what Pax8 gives) is kept as its 16 bytes in an
 * open-addressing table of typed arrays (~32 bytes an id, against ~90 for a string in a Set); any other id is kept
 * as it is, in a Set. Exact: no id is taken for another.
 */
export class Pax8IdSet {
  private words = new Uint32Array(4 * 1024);
  private used = new Uint8Array(1024);
  private packed = 0;
  private readonly others = new Set<string>();
  private readonly key = new Uint32Array(4);

  get size(): number {
    return this.packed + this.others.size;
  }

  add(id: string): void {
    if (!packUuid(id, this.key)) {
      this.others.add(id);
      return;
    }
    if ((this.packed + 1) * 2 > this.used.length) this.grow();
    const slot = this.slotOf(this.key);
    if (this.used[slot]) return;
    this.used[slot] = 1;
    this.words.set(this.key, slot * 4);
    this.packed++;
  }

  has(id: string): boolean {
    if (!packUuid(id, this.key)) return this.others.has(id);
    return this.used[this.slotOf(this.key)] === 1;
  }

  /** The slot holding `key`, or the free slot where it would go (linear probing; the table is at most half full). */
  private slotOf(key: Uint32Array): number {
    const mask = this.used.length - 1;
    const w = this.words;
    // A random UUID's bits are already uniform; mixing the words keeps non-random ones (v1, v7) spread too.
    let slot = Math.imul(key[0]! ^ key[1]! ^ key[2]! ^ key[3]!, 0x9e3779b1) >>> 0;
    for (;;) {
      slot &= mask;
      if (!this.used[slot]) return slot;
      const o = slot * 4;
      if (w[o] === key[0] && w[o + 1] === key[1] && w[o + 2] === key[2] && w[o + 3] === key[3]) return slot;
      slot++;
    }
  }

  private grow(): void {
    const oldWords = this.words;
    const oldUsed = this.used;
    this.words = new Uint32Array(oldWords.length * 2);
    this.used = new Uint8Array(oldUsed.length * 2);
    const key = new Uint32Array(4);
    for (let s = 0; s < oldUsed.length; s++) {
      if (!oldUsed[s]) continue;
      key.set(oldWords.subarray(s * 4, s * 4 + 4));
      const slot = this.slotOf(key);
      this.used[slot] = 1;
      this.words.set(key, slot * 4);
    }
  }
}

/** Writes a lowercase UUID's 128 bits into `out` as four words; false (out undefined) for anything else. */
export function packUuid(id: string, out: Uint32Array): boolean {
  if (id.length !== 36) return false;
  let word = 0;
  let nibbles = 0;
  for (let i = 0; i < 36; i++) {
    const c = id.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false; // '-'
      continue;
    }
    let v: number;
    if (c >= 48 && c <= 57) v = c - 48;
    else if (c >= 97 && c <= 102) v = c - 87;
    else return false;
    word = (word << 4) | v;
    if (++nibbles % 8 === 0) {
      out[nibbles / 8 - 1] = word >>> 0;
      word = 0;
    }
  }
  return true;
}
