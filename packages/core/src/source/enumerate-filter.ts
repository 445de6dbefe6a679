import type { EnumerateFilter } from './root-source.js';

/** Folder names that are never catalogued: OS, NAS and trash bookkeeping (compared case-insensitively). */
export const SYSTEM_FOLDER_NAMES: ReadonlySet<string> = new Set([
  '@eadir',
  '#recycle',
  '#snapshot',
  '$recycle.bin',
  'system volume information',
  'lost+found',
  '.spotlight-v100',
  '.trashes',
  '.fseventsd',
  '.documentrevisions-v100',
  '.temporaryitems',
  '@recycle',
  '.@__thumb',
  '@__thumb',
]);

/**
 * Folders that are an application's own store, by name suffix (compared case-insensitively), and why
 * a scan leaves them out. Walked as plain folders they give the library's internal copies,
 * thumbnails and previews as if they were photos.
 */
const APPLICATION_STORES: readonly { suffix: string; reason: string }[] = [
  {
    suffix: '.photoslibrary',
    reason: 'an Apple Photos library: catalog it as a root of its own (photolala scan LIBRARY)',
  },
  { suffix: '.photolibrary', reason: 'an iPhoto library' },
  { suffix: '.aplibrary', reason: 'an Aperture library' },
  { suffix: '.lrdata', reason: 'Lightroom previews: copies of photos that are cataloged where they are' },
];

/** Why a folder named `name` is an application's store that scans leave out, or undefined. */
export function applicationStore(name: string): string | undefined {
  const lower = name.toLowerCase();
  return APPLICATION_STORES.find((store) => lower.endsWith(store.suffix))?.reason;
}

/** File names that are never catalogued (compared case-insensitively). */
export const SYSTEM_FILE_NAMES: ReadonlySet<string> = new Set([
  '.ds_store',
  'thumbs.db',
  'ehthumbs.db',
  'ehthumbs_vista.db',
  'desktop.ini',
  'icon\r',
  '.localized',
  '.picasa.ini',
  'picasa.ini',
]);

const SYSTEM_FILE_NAME_LENGTHS: ReadonlySet<number> = new Set(
  [...SYSTEM_FILE_NAMES].map((name) => name.length),
);

/** Prefix of temp files written by `writeAtomic` implementations and the cache. */
export const TEMP_FILE_PREFIX = '.photolala-tmp-';

/** The catalog's own files in a root: `.photolala.md5` and `.photolala.{md5}.sqlite`. */
export const CATALOG_FILE_PATTERN = /^\.photolala\.(md5|[0-9a-f]{32}\.sqlite)$/;

function isHidden(name: string): boolean {
  // Dot-files, AppleDouble `._x` files included, and Office/LibreOffice lock files.
  return name.startsWith('.') || name.startsWith('~$');
}

/**
 * Whether the catalog's filter refuses the file named by `text` from `start` to its end: a hidden
 * or system name (temp files and the catalog's own files are hidden names too). Every listed file
 * passes here, twice in a scan (the source's filter, then the scan's check of what was listed), so
 * the name is neither sliced out nor lower-cased unless its length is a system file's.
 */
export function refusesFileNameAt(text: string, start: number): boolean {
  const first = text.charCodeAt(start);
  if (first === 0x2e /* . */ || (first === 0x7e /* ~ */ && text.charCodeAt(start + 1) === 0x24))
    /* $ */
    return true;
  const length = text.length - start;
  return SYSTEM_FILE_NAME_LENGTHS.has(length) && SYSTEM_FILE_NAMES.has(text.slice(start).toLowerCase());
}

/**
 * The filter of discovery (DESIGN.md section 5, step 1): hidden and system folders, and applications'
 * stores, are not descended into; hidden and system files, the catalog's own files and temp files
 * are left out.
 */
export const catalogFilter: EnumerateFilter = {
  directory(name) {
    return !isHidden(name) && !SYSTEM_FOLDER_NAMES.has(name.toLowerCase()) && !applicationStore(name);
  },
  file(name) {
    return !refusesFileNameAt(name, 0);
  },
};

/** A filter that only leaves out `writeAtomic` temp files; used by the conformance suite. */
export const everythingFilter: EnumerateFilter = {
  directory: () => true,
  file: (name) => !name.startsWith(TEMP_FILE_PREFIX),
};
