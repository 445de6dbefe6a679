import type { Catalog } from '../catalog/catalog.js';
import { indexCopies, type PhotoCopy } from './compare.js';

/** Every copy of one photo (one photo-md5) across the catalogs compared. */
export interface DuplicateGroup {
  photoMd5: string;
  /** Bytes of one copy. */
  size: number;
  /** Every copy, by root (in the order the catalogs were given), then path. */
  copies: PhotoCopy[];
  /** The roots that hold a copy. */
  roots: string[];
  /** What deleting all copies but one would free: size x (copies - 1). */
  reclaimableBytes: number;
}

/** Options of `findDuplicates`. */
export interface DuplicateOptions {
  /** Only photos of at least this many bytes. */
  minSize?: number;
  /** Only copies within one root: a photo held once in each of two roots is no duplicate then. */
  within?: boolean;
}

/** What `findDuplicates` found, and what deleting all copies but one would free. */
export interface DuplicateReport {
  roots: string[];
  /** Largest cleanup first (reclaimable bytes), then by photo-md5. */
  groups: DuplicateGroup[];
  reclaimableBytes: number;
}

/** Identical photos (same photo-md5) within and across the catalogs, from the catalogs alone. */
export function findDuplicates(catalogs: Catalog[], options: DuplicateOptions = {}): DuplicateReport {
  const minSize = options.minSize ?? 0;
  const sizes = new Map<string, number>();
  const indexed = catalogs.map((catalog) => {
    const columns = catalog.photoColumns();
    for (let i = 0; i < columns.photoMd5s.length; i++) sizes.set(columns.photoMd5s[i]!, columns.sizes[i]!);
    return { uri: catalog.rootUri, columns };
  });
  const groups: DuplicateGroup[] = [];
  const collect = (copies: Map<string, PhotoCopy[]>) => {
    for (const [photoMd5, found] of copies) {
      if (found.length < 2) continue;
      const size = sizes.get(photoMd5) ?? 0;
      if (size < minSize) continue;
      groups.push({
        photoMd5,
        size,
        copies: found,
        roots: rootsOf(found),
        reclaimableBytes: size * (found.length - 1),
      });
    }
  };
  if (options.within) for (const one of indexed) collect(indexCopies([one]));
  else collect(indexCopies(indexed));
  groups.sort(
    (a, b) =>
      b.reclaimableBytes - a.reclaimableBytes ||
      (a.photoMd5 < b.photoMd5 ? -1 : a.photoMd5 > b.photoMd5 ? 1 : 0) ||
      (a.roots[0]! < b.roots[0]! ? -1 : a.roots[0]! > b.roots[0]! ? 1 : 0),
  );
  return {
    roots: catalogs.map((c) => c.rootUri),
    groups,
    reclaimableBytes: groups.reduce((sum, g) => sum + g.reclaimableBytes, 0),
  };
}

/** The roots of these copies, each once, in order (a group's copies are few: a scan of them is cheapest). */
function rootsOf(copies: PhotoCopy[]): string[] {
  const roots: string[] = [];
  for (const copy of copies) if (!roots.includes(copy.root)) roots.push(copy.root);
  return roots;
}
