import { PhotolalaError } from '../source/errors.js';
import { popcount32 } from './perceptual-hash.js';

/** 64-bit hashes as two 32-bit halves: XOR and popcount then stay in small integers. */
export interface PackedHashes {
  hi: Int32Array;
  lo: Int32Array;
}

/** 16-hex-digit perceptual hashes as two 32-bit halves each, the form `groupByHamming` compares fast. */
export function packHashes(hashes: readonly string[]): PackedHashes {
  // Signed halves: V8 keeps 32-bit signed integers unboxed, and XOR and popcount ignore the sign.
  const hi = new Int32Array(hashes.length);
  const lo = new Int32Array(hashes.length);
  for (let i = 0; i < hashes.length; i++) {
    const hash = hashes[i]!;
    hi[i] = Number.parseInt(hash.slice(0, 8), 16) | 0;
    lo[i] = Number.parseInt(hash.slice(8, 16), 16) | 0;
  }
  return { hi, lo };
}

const BLOCKS = 4;
const BLOCK_BITS = 16;

function blockOf(hashes: PackedHashes, i: number, block: number): number {
  const half = block < 2 ? hashes.hi[i]! : hashes.lo[i]!;
  return block % 2 === 0 ? half >>> 16 : half & 0xffff;
}

/** Every 16-bit mask with at most `radius` bits set. */
function masksUpTo(radius: number): Int32Array {
  const masks: number[] = [];
  for (let mask = 0; mask < 1 << BLOCK_BITS; mask++) if (popcount32(mask) <= radius) masks.push(mask);
  return Int32Array.from(masks);
}

/** Union-find over indexes, with path halving. */
class Groups {
  private readonly parent: Int32Array;
  constructor(size: number) {
    this.parent = Int32Array.from({ length: size }, (_, i) => i);
  }
  find(i: number): number {
    const parent = this.parent;
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  /** The groups of more than one member, each in index order. */
  linked(): number[][] {
    const byRoot = new Map<number, number[]>();
    for (let i = 0; i < this.parent.length; i++) {
      const root = this.find(i);
      const group = byRoot.get(root);
      if (group) group.push(i);
      else byRoot.set(root, [i]);
    }
    return [...byRoot.values()].filter((g) => g.length > 1);
  }
}

/**
 * Groups hashes linked by chains of pairs at most `threshold` bits apart (single linkage), as lists of
 * indexes; hashes with no neighbour are left out. Multi-index hashing instead of every pair: the 64
 * bits are cut into four 16-bit blocks, and two hashes within `threshold` bits agree to within
 * floor(threshold / 4) bits in at least one block (pigeonhole), so each hash is compared only with
 * those in the buckets of its blocks' near keys.
 */
export function groupByHamming(hashes: PackedHashes, threshold: number): number[][] {
  if (!Number.isInteger(threshold) || threshold < 0 || threshold > 64)
    throw new PhotolalaError(
      'INVALID_ARGUMENT',
      `threshold ${threshold} is not a whole number of bits from 0 to 64`,
      {
        backend: 'compare',
      },
    );
  const count = hashes.hi.length;
  const groups = new Groups(count);
  const masks = masksUpTo(Math.floor(threshold / BLOCKS));
  const { hi, lo } = hashes;
  const starts = new Int32Array((1 << BLOCK_BITS) + 1);
  const members = new Int32Array(count);
  for (let block = 0; block < BLOCKS; block++) {
    // Bucket the hashes by this block's value: counting sort into `members`, ranges in `starts`.
    starts.fill(0);
    for (let i = 0; i < count; i++) starts[blockOf(hashes, i, block) + 1]!++;
    for (let k = 0; k < 1 << BLOCK_BITS; k++) starts[k + 1]! += starts[k]!;
    const fill = starts.slice(0, 1 << BLOCK_BITS);
    for (let i = 0; i < count; i++) members[fill[blockOf(hashes, i, block)]!++] = i;
    for (let i = 0; i < count; i++) {
      const key = blockOf(hashes, i, block);
      const h = hi[i]!;
      const l = lo[i]!;
      for (let m = 0; m < masks.length; m++) {
        const bucket = key ^ masks[m]!;
        for (let at = starts[bucket]!, end = starts[bucket + 1]!; at < end; at++) {
          const j = members[at]!;
          // Each pair once, from its lower index.
          if (j <= i) continue;
          if (popcount32(h ^ hi[j]!) + popcount32(l ^ lo[j]!) <= threshold) groups.union(i, j);
        }
      }
    }
  }
  return groups.linked();
}

/** The same groups by comparing every pair: the reference the benchmark and tests hold the index to. */
export function groupByHammingAllPairs(hashes: PackedHashes, threshold: number): number[][] {
  const count = hashes.hi.length;
  const groups = new Groups(count);
  const { hi, lo } = hashes;
  for (let i = 0; i < count; i++)
    for (let j = i + 1; j < count; j++)
      if (popcount32(hi[i]! ^ hi[j]!) + popcount32(lo[i]! ^ lo[j]!) <= threshold) groups.union(i, j);
  return groups.linked();
}
