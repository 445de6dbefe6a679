import { expect, test } from 'vitest';
import { groupByHamming, groupByHammingAllPairs, packHashes } from '../src/compare/hamming-groups.js';
import { hammingDistance, perceptualHashOfPixels } from '../src/compare/perceptual-hash.js';

/** A deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
}

const hex = (n: number) => n.toString(16).padStart(8, '0');

/** `count` random hashes, and for every tenth a neighbour `flips` bits away. */
function hashesWithNeighbours(count: number, flips: number, seed: number): string[] {
  const next = random(seed);
  const hashes: string[] = [];
  for (let i = 0; i < count; i++) {
    const hi = next();
    const lo = next();
    hashes.push(hex(hi) + hex(lo));
    if (i % 10 === 0) {
      let [h, l] = [hi, lo];
      const bits = new Set<number>();
      while (bits.size < flips) bits.add(next() % 64);
      for (const bit of bits)
        if (bit < 32) h = (h ^ (1 << bit)) >>> 0;
        else l = (l ^ (1 << (bit - 32))) >>> 0;
      hashes.push(hex(h) + hex(l));
    }
  }
  return hashes;
}

const canonical = (groups: number[][]) =>
  groups.map((g) => [...g].sort((a, b) => a - b)).sort((a, b) => a[0]! - b[0]!);

test('the multi-index grouping finds exactly the groups of comparing every pair', () => {
  for (const [threshold, flips] of [
    [12, 12],
    [12, 13],
    [7, 7],
    [3, 3],
    [0, 0],
    [20, 18],
  ] as const) {
    const hashes = hashesWithNeighbours(2_000, flips, threshold + 17);
    const packed = packHashes(hashes);
    const fast = canonical(groupByHamming(packed, threshold));
    expect(fast).toEqual(canonical(groupByHammingAllPairs(packed, threshold)));
    // Every planted neighbour (the hash after every tenth) is grouped with it within the threshold.
    const groupOf = new Map(fast.flatMap((g, n) => g.map((i) => [i, n] as const)));
    let together = 0;
    for (let i = 0, at = 0; i < 2_000; i++, at++)
      if (i % 10 === 0) {
        if (groupOf.has(at) && groupOf.get(at) === groupOf.get(at + 1)) together++;
        at++;
      }
    expect(together).toBe(flips <= threshold ? 200 : 0);
  }
});

test('a threshold that is not 0 to 64 whole bits is refused', () => {
  expect(() => groupByHamming(packHashes([]), 65)).toThrow(/threshold 65/);
  expect(() => groupByHamming(packHashes([]), 1.5)).toThrow(/threshold 1.5/);
});

test('the DCT hash: an image and its negative have opposite low frequencies, and brightness does not move it', () => {
  const gradient = Uint8Array.from({ length: 1024 }, (_, i) =>
    Math.round(120 + 60 * Math.sin((i % 32) / 5) + 50 * Math.cos(Math.floor(i / 32) / 7)),
  );
  const brighter = gradient.map((v) => Math.min(255, v + 4));
  const negative = gradient.map((v) => 255 - v);
  const hash = perceptualHashOfPixels(gradient);
  expect(hash).toMatch(/^[0-9a-f]{16}$/);
  expect(perceptualHashOfPixels(brighter)).toBe(hash);
  expect(hammingDistance(hash, perceptualHashOfPixels(negative))).toBeGreaterThan(20);
  expect(() => perceptualHashOfPixels(new Uint8Array(10))).toThrow(/32x32/);
});
