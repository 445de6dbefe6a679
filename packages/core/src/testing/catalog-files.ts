import { CATALOG_FILE_PATTERN, TEMP_FILE_PREFIX } from '../source/enumerate-filter.js';

/**
 * Whether `path` is one of the catalog's own files at the top of a root (its `.photolala.md5`
 * pointer, a snapshot, a temp file of `writeAtomic`) rather than one of the root's photos: the
 * testing helpers count and damage only the photos.
 */
export function isCatalogOwnFile(path: string): boolean {
  return !path.includes('/') && (CATALOG_FILE_PATTERN.test(path) || path.startsWith(TEMP_FILE_PREFIX));
}
