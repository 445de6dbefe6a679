import { CopyIndex, type PhotoCatalog, type PhotoCopy } from './copy-index.js';

/** Every copy of one photo (one photo-md5) across the catalogs compared. */
export interface DuplicateGroup {
  photoMd5: string;
  /** Bytes of one copy. */
  size: number;
  /** Every copy, by root (in the order the catalogs were given), then path. */
  copies: PhotoCopy[];
  /** The roots that hold a copy; groups held by the same roots share the array, so do not change it. */
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
export function findDuplicates(catalogs: PhotoCatalog[], options: DuplicateOptions = {}): DuplicateReport {
  const minSize = options.minSize ?? 0;
  const indexed = catalogs.map((catalog) => ({ uri: catalog.rootUri, columns: catalog.photoColumns() }));
  const groups: DuplicateGroup[] = [];
  // A group's size is that of the photo-md5's last copy in all the catalogs (catalog order, then
  // path order), within one root as across them.
  const across = new CopyIndex(indexed);
  const collect = (index: CopyIndex) => {
    for (let group = 0; group < index.size; group++) {
      const count = index.count(group);
      if (count < 2) continue;
      const photoMd5 = index.photoMd5(group);
      const size = index === across ? across.lastSize(group) : across.lastSize(across.group(photoMd5)!);
      if (size < minSize) continue;
      groups.push({
        photoMd5,
        size,
        copies: index.copies(group),
        roots: index.roots(group),
        reclaimableBytes: size * (count - 1),
      });
    }
  };
  if (options.within) for (const one of indexed) collect(new CopyIndex([one]));
  else collect(across);
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
