import { readFile } from 'node:fs/promises';
import type { Catalog } from '../catalog/catalog.js';
import { describeError } from '../source/errors.js';
import type { PhotoColumns } from './catalog-reads.js';
import { CopyIndex, type PhotoCopy } from './copy-index.js';
import { groupByHamming, packHashes } from './hamming-groups.js';
import { hammingDistance, perceptualHash } from './perceptual-hash.js';

/**
 * Hamming distance, in bits of the 64-bit hash, up to which two photos count as near-duplicates.
 * Measured on the labelled set of tests/compare/similar.test.ts (the real fixture photos resized to
 * 50% and 25%, re-encoded at quality 60, as PNG, without EXIF, cut 5% on one side, and in all eight
 * EXIF orientations): every variant was within 12 bits of its original, and the nearest different
 * photo 20 bits away. 12 is the least distance that finds every variant.
 */
export const DEFAULT_SIMILARITY_THRESHOLD = 12;

/** One photo of a `SimilarGroup`, with its distance from the group's first member. */
export interface SimilarMember {
  photoMd5: string;
  perceptualHash: string;
  size: number;
  /** Bits from the group's first member (its largest photo). */
  distance: number;
  /** Every copy of this photo: exact copies stay together under one member. */
  copies: PhotoCopy[];
}

/** Photos whose perceptual hashes lie within the threshold of the first one: likely the same picture. */
export interface SimilarGroup {
  /** Largest photo first: usually the original the others were made from. */
  members: SimilarMember[];
}

/** Options of `findSimilar`. */
export interface SimilarOptions {
  /** Bits of difference allowed (default DEFAULT_SIMILARITY_THRESHOLD). */
  threshold?: number;
  /** Only photos of at least this many bytes. */
  minSize?: number;
  /** Only group photos within one root. */
  within?: boolean;
  /** Hashes made from cached thumbnails at once, for catalogs older than perceptual hashes. */
  concurrency?: number;
  /** Told how many of the photos without a hash have been hashed so far. */
  onProgress?: (done: number, total: number) => void;
}

/** What `findSimilar` compared and grouped. */
export interface SimilarReport {
  roots: string[];
  threshold: number;
  /** Photos (distinct photo-md5s) compared. */
  compared: number;
  /** Groups of at least two different photos, most members first. */
  groups: SimilarGroup[];
  /** Hashes this call made from cached thumbnails (catalogs made before hashes were stored). */
  backfilled: number;
  /** Photos that have no hash and could not get one (no thumbnail could be made). */
  unhashed: { root: string; path: string; reason: string }[];
}

/**
 * Groups near-duplicates (the same picture resized, re-encoded, exported or lightly edited, burst
 * shots) across the catalogs by their perceptual hashes, without comparing every pair (see
 * groupByHamming). Photos are compared as distinct photo-md5s, so exact copies are never a "similar"
 * group; `findDuplicates` reports those. A photo whose document has no hash yet gets one from its
 * cached thumbnail, which is stored in the catalog and published when the catalog is saved.
 */
export async function findSimilar(catalogs: Catalog[], options: SimilarOptions = {}): Promise<SimilarReport> {
  const threshold = options.threshold ?? DEFAULT_SIMILARITY_THRESHOLD;
  const minSize = options.minSize ?? 0;
  const known = new Map<string, string>();
  const indexed = catalogs.map((catalog) => {
    const own = catalog.perceptualHashes();
    for (const [md5, hash] of own) known.set(md5, hash);
    return { catalog, uri: catalog.rootUri, columns: catalog.photoColumns(), own };
  });
  const report: SimilarReport = {
    roots: catalogs.map((c) => c.rootUri),
    threshold,
    compared: 0,
    groups: [],
    backfilled: 0,
    unhashed: [],
  };
  await backfill(indexed, known, report, options);
  const sets = options.within ? indexed.map((one) => [one]) : [indexed];
  for (const set of sets) report.groups.push(...groupSet(set, known, minSize, threshold, report));
  report.groups.sort(
    (a, b) =>
      b.members.length - a.members.length ||
      b.members[0]!.size - a.members[0]!.size ||
      (a.members[0]!.photoMd5 < b.members[0]!.photoMd5 ? -1 : 1),
  );
  return report;
}

type Indexed = { catalog: Catalog; uri: string; columns: PhotoColumns; own: Map<string, string> };

/**
 * Hashes from cached thumbnails for the photos no catalog has one for (each photo-md5 once), then
 * every catalog is given the hashes its documents lack.
 */
async function backfill(
  indexed: Indexed[],
  known: Map<string, string>,
  report: SimilarReport,
  options: SimilarOptions,
): Promise<void> {
  const work: { item: Indexed; path: string; photoMd5: string }[] = [];
  const queued = new Set<string>();
  for (const item of indexed) {
    const { paths, photoMd5s } = item.columns;
    for (let i = 0; i < photoMd5s.length; i++) {
      const md5 = photoMd5s[i]!;
      if (known.has(md5) || queued.has(md5)) continue;
      queued.add(md5);
      work.push({ item, path: paths[i]!, photoMd5: md5 });
    }
  }
  let next = 0;
  let done = 0;
  options.onProgress?.(0, work.length);
  const worker = async () => {
    while (next < work.length) {
      const { item, path, photoMd5 } = work[next++]!;
      try {
        known.set(photoMd5, await perceptualHash(await readFile(await item.catalog.thumbnail(path))));
        report.backfilled++;
      } catch (error) {
        report.unhashed.push({ root: item.uri, path, reason: describeError(error) });
      }
      options.onProgress?.(++done, work.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  for (const { catalog, columns, own } of indexed) {
    const lacking = new Map<string, string>();
    for (const md5 of columns.photoMd5s) {
      const hash = known.get(md5);
      if (hash !== undefined && !own.has(md5)) lacking.set(md5, hash);
    }
    await catalog.storePerceptualHashes(lacking);
  }
}

function groupSet(
  set: Indexed[],
  known: Map<string, string>,
  minSize: number,
  threshold: number,
  report: SimilarReport,
): SimilarGroup[] {
  const copies = new CopyIndex(set);
  const groups: number[] = [];
  const hashes: string[] = [];
  for (let group = 0; group < copies.size; group++) {
    const hash = known.get(copies.photoMd5(group));
    if (hash === undefined || copies.lastSize(group) < minSize) continue;
    groups.push(group);
    hashes.push(hash);
  }
  report.compared += groups.length;
  return groupByHamming(packHashes(hashes), threshold).map((indexes) => {
    const members = indexes
      .map((i) => ({
        group: groups[i]!,
        photoMd5: copies.photoMd5(groups[i]!),
        perceptualHash: hashes[i]!,
        size: copies.lastSize(groups[i]!),
      }))
      .sort((a, b) => b.size - a.size || (a.photoMd5 < b.photoMd5 ? -1 : 1));
    const first = members[0]!.perceptualHash;
    return {
      members: members.map(({ group, ...m }) => ({
        ...m,
        distance: hammingDistance(first, m.perceptualHash),
        copies: copies.copies(group),
      })),
    };
  });
}
