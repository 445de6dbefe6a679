import type { Catalog } from '../catalog/catalog.js';
import type { PhotoColumns } from './catalog-reads.js';

/** Where one copy of a photo is: a root URI and the path under it. */
export interface PhotoCopy {
  root: string;
  path: string;
}

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
  /** Every photo of the source, in path order. */
  photos: ComparedPhoto[];
}

/** The photos of several catalogs by photo-md5, each with every copy. */
export function indexCopies(catalogs: { uri: string; columns: PhotoColumns }[]): Map<string, PhotoCopy[]> {
  const copies = new Map<string, PhotoCopy[]>();
  for (const { uri, columns } of catalogs) {
    const { paths, photoMd5s } = columns;
    for (let i = 0; i < photoMd5s.length; i++) {
      const copy = { root: uri, path: paths[i]! };
      const known = copies.get(photoMd5s[i]!);
      if (known) known.push(copy);
      else copies.set(photoMd5s[i]!, [copy]);
    }
  }
  return copies;
}

/**
 * For each photo of `source`, its copies in `destinations`, by photo-md5: the check before a card is
 * formatted or a folder deleted. Reads only the catalogs, never a photo: their MD5s must be current,
 * which a status check of each root tells (see the CLI's `compare`).
 */
export function compareCatalogs(source: Catalog, destinations: Catalog[]): CompareResult {
  const sourceColumns = source.photoColumns();
  const copies = indexCopies(destinations.map((d) => ({ uri: d.rootUri, columns: d.photoColumns() })));
  const result: CompareResult = {
    source: source.rootUri,
    destinations: destinations.map((d) => d.rootUri),
    present: { count: 0, bytes: 0 },
    missing: { count: 0, bytes: 0 },
    unchecked: sourceColumns.unchecked,
    photos: [],
  };
  const { paths, photoMd5s, sizes } = sourceColumns;
  for (let i = 0; i < photoMd5s.length; i++) {
    const found = copies.get(photoMd5s[i]!) ?? [];
    const tally = found.length > 0 ? result.present : result.missing;
    tally.count++;
    tally.bytes += sizes[i]!;
    result.photos.push({ path: paths[i]!, photoMd5: photoMd5s[i]!, size: sizes[i]!, copies: found });
  }
  return result;
}
