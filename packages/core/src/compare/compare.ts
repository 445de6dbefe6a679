import type { PhotoColumns } from './catalog-reads.js';
import { CopyIndex, type PhotoCatalog, type PhotoCopy } from './copy-index.js';

export type { PhotoCopy } from './copy-index.js';

/** A photo of the source catalog and its copies in the destinations. */
export interface ComparedPhoto {
  path: string;
  photoMd5: string;
  size: number;
  /** The same photo (same photo-md5) in the destinations; empty when it is in none. */
  copies: PhotoCopy[];
}

/** What `compareCatalogs` found: which photos of the source the destinations hold, by photo-md5. */
export interface CompareResult {
  source: string;
  destinations: string[];
  present: { count: number; bytes: number };
  missing: { count: number; bytes: number };
  /** Images of the source whose digest failed: with no photo-md5 they cannot be looked for. */
  unchecked: PhotoColumns['unchecked'];
  /**
   * Files and folders of the source its last scan could not catalog (a name that is not UTF-8, a
   * folder it could not read): whatever photos they hold were never looked for.
   */
  unlisted: PhotoColumns['unlisted'];
  /** Every photo of the source, in path order. */
  photos: ComparedPhoto[];
}

/**
 * For each photo of `source`, its copies in `destinations`, by photo-md5: the check before a card is
 * formatted or a folder deleted. Reads only the catalogs, never a photo: their MD5s must be current,
 * which a status check of each root tells (see the CLI's `compare`).
 */
export function compareCatalogs(source: PhotoCatalog, destinations: PhotoCatalog[]): CompareResult {
  const sourceColumns = source.photoColumns();
  const copies = new CopyIndex(destinations.map((d) => ({ uri: d.rootUri, columns: d.photoColumns() })));
  const result: CompareResult = {
    source: source.rootUri,
    destinations: destinations.map((d) => d.rootUri),
    present: { count: 0, bytes: 0 },
    missing: { count: 0, bytes: 0 },
    unchecked: sourceColumns.unchecked,
    unlisted: sourceColumns.unlisted,
    photos: [],
  };
  const { paths, photoMd5s, sizes } = sourceColumns;
  for (let i = 0; i < photoMd5s.length; i++) {
    const group = copies.group(photoMd5s[i]!);
    const tally = group !== undefined ? result.present : result.missing;
    tally.count++;
    tally.bytes += sizes[i]!;
    result.photos.push({
      path: paths[i]!,
      photoMd5: photoMd5s[i]!,
      size: sizes[i]!,
      copies: group !== undefined ? copies.copies(group) : [],
    });
  }
  return result;
}
