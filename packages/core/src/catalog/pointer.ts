import { isMd5 } from '../digest/identity.js';

/**
 * The pointer file's name, in the root and in its cache mirror: the catalog-md5s of the newest snapshots, one a line.
 */
export const POINTER_FILE = '.photolala.md5';
/** How many snapshots a pointer names, and so keeps, unless `keepSnapshots` says otherwise. */
export const DEFAULT_RETENTION = 3;
/** A pointer larger than this is not a pointer; it is not read whole. */
export const MAX_POINTER_BYTES = 64 * 1024;

/** The file name of the snapshot whose MD5 is `catalogMd5`; throws when it is not 32 lowercase hex digits. */
export function snapshotFileName(catalogMd5: string): string {
  if (!isMd5(catalogMd5)) throw new Error(`invalid catalog md5 ${JSON.stringify(catalogMd5)}`);
  return `.photolala.${catalogMd5}.sqlite`;
}

/**
 * The catalog-md5s a pointer names, newest first. A line counts only if it is exactly 32 lowercase
 * hex characters (surrounding white space and CRLF endings aside); everything else is ignored, so a
 * tampered pointer can never name a path.
 */
export function parsePointer(text: string): string[] {
  const seen = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').trim();
    if (isMd5(line)) seen.add(line);
  }
  return [...seen];
}

/** A pointer file's text: the valid catalog-md5s of `md5s`, newest first, one a line. */
export function formatPointer(md5s: readonly string[]): string {
  return `${md5s.filter(isMd5).join('\n')}\n`;
}

/** The new pointer list: `newest` first, then the previous ones, without duplicates, at most `keep`. */
export function nextPointer(newest: string, previous: readonly string[], keep: number): string[] {
  return [newest, ...previous.filter((m) => m !== newest)].slice(0, Math.max(1, keep));
}
