/**
 * Numbers given to strings (photo-md5s, paths) in the order first met, in an open-addressing table of
 * typed arrays: for the 100,000-200,000 keys of a large catalog it spends about half the CPU of a
 * `Map<string, number>`, which hashes each new string object and grows by rehashing.
 */
export class KeyNumbers {
  /** Each slot: the number of the key there, plus one; 0 when empty. */
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** Each number's key, and its hash (compared first, so that a probe rarely compares strings). */
  private readonly keys: string[] = [];
  private readonly hashes: Int32Array;

  /** A table for at most `capacity` keys; it never grows. */
  constructor(capacity: number) {
    let size = 16;
    // At most half full, so that a probe ends soon.
    while (size < capacity * 2) size *= 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    this.hashes = new Int32Array(Math.max(capacity, 1));
  }

  /** How many keys have a number; they are numbered from 0. */
  get size(): number {
    return this.keys.length;
  }

  /** The key numbered `number`. */
  key(number: number): string {
    return this.keys[number]!;
  }

  /** The number of `key`, or -1 when it has none. */
  find(key: string): number {
    const hash = hashOf(key);
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const held = this.slots[slot]! - 1;
      if (held < 0) return -1;
      if (this.hashes[held] === hash && this.keys[held] === key) return held;
    }
  }

  /** The number of `key`, given the next one when it has none yet. Throws past the capacity. */
  add(key: string): number {
    const hash = hashOf(key);
    let slot = hash & this.mask;
    for (; ; slot = (slot + 1) & this.mask) {
      const held = this.slots[slot]! - 1;
      if (held < 0) break;
      if (this.hashes[held] === hash && this.keys[held] === key) return held;
    }
    const number = this.keys.length;
    if (number >= this.hashes.length) throw new RangeError('KeyNumbers: more keys than its capacity');
    this.keys.push(key);
    this.hashes[number] = hash;
    this.slots[slot] = number + 1;
    return number;
  }
}

/**
 * Drawn once per process: the keys come from snapshots, which anyone may craft, and keys chosen to
 * collide under a hash known in advance would make every probe walk the whole table.
 */
const SEED = (Math.random() * 0x1_0000_0000) | 0;

/**
 * FNV-1a from a random start over the code units of `text` from `start` to `end` (all of it by
 * default), then a final mix so that the low bits (the slot) depend on all of them.
 */
export function hashOf(text: string, start = 0, end = text.length): number {
  let hash = SEED;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return hash;
}
