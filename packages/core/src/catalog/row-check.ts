import type Database from 'better-sqlite3';
import { type EntryKind, IMAGE_KINDS, type ImageKind } from '../digest/image-kind.js';
import { describeError, PhotolalaError } from '../source/errors.js';
import { validateRelativePath } from '../source/paths.js';
import { readListing } from './bulk-read.js';
import { ENTRY_COLUMN_LIST } from './entry-row.js';

/**
 * A snapshot's rows are untrusted input even when the file hashes to its name: anyone who can write
 * a shared root can name a crafted file by its MD5. A path, an MD5 or an external id from a row
 * becomes a file name (a photo read in the root, a thumbnail in the cache) or a cloud key, so every
 * one must have the form the catalog itself writes.
 */

/** Every kind that is no image kind: a kind added to EntryKind fails the typecheck here until listed. */
const OTHER_KINDS: Record<Exclude<EntryKind, ImageKind>, true> = { video: true, other: true };
const KINDS = new Set<string>([...IMAGE_KINDS, ...Object.keys(OTHER_KINDS)]);
const OPERATIONS = new Set(['star', 'unstar']);
/** A backend's identity for a file (an Apple photo id): a token, never a path. */
const EXTERNAL_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,255}$/;

const shown = (value: unknown) =>
  typeof value === 'string'
    ? JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}...` : value)
    : String(value);

/**
 * Whether a path is printable ASCII with no backslash, no empty, "." or ".." segment, and no ":" as
 * its second character: what nearly every path is, found by one pass over its characters. Any other
 * path is judged by validateRelativePath, which also names what is wrong (its patterns cost several
 * times more, and the first load of a catalog judges 100k paths).
 */
function isPlainPath(path: string): boolean {
  const n = path.length;
  if (n === 0 || n > 4096 || (n > 1 && path.charCodeAt(1) === 0x3a)) return false;
  let segment = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? path.charCodeAt(i) : 0x2f;
    if (c === 0x2f) {
      const length = i - segment;
      if (length === 0) return false;
      if (
        length <= 2 &&
        path.charCodeAt(segment) === 0x2e &&
        (length === 1 || path.charCodeAt(i - 1) === 0x2e)
      )
        return false;
      segment = i + 1;
    } else if (c < 0x20 || c > 0x7e || c === 0x5c) return false;
  }
  return true;
}

/** Whether `text[start..end)` is decimal digits only, or with `hex` lowercase hex digits only. */
function allDigits(text: string, start: number, end: number, hex: boolean): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (hex && c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/** isMd5 and isFastPhotoKey without a regex: a first load checks 100k of each. */
const isHexMd5 = (value: unknown) =>
  typeof value === 'string' && value.length === 32 && allDigits(value, 0, 32, true);
const isKey = (value: unknown) =>
  typeof value === 'string' &&
  value.length > 33 &&
  value.length <= 49 &&
  value.charCodeAt(32) === 0x3a &&
  allDigits(value, 0, 32, true) &&
  allDigits(value, 33, value.length, false) &&
  (value.charCodeAt(33) !== 0x30 || value.length === 34);

function pathProblem(path: unknown): string | undefined {
  if (typeof path !== 'string') return 'path is not text';
  if (isPlainPath(path)) return undefined;
  try {
    if (validateRelativePath(path, 'catalog') !== path) return `path ${shown(path)} is not in NFC`;
  } catch (error) {
    return describeError(error, { code: false });
  }
  return undefined;
}

/** Why the columns of a row that name files cannot be trusted, or undefined when they can. */
function rowProblem(
  path: unknown,
  fastPhotoKey: unknown,
  photoMd5: unknown,
  more: { kind?: unknown; externalId?: unknown; operation?: unknown; group?: unknown },
): string | undefined {
  const problem = pathProblem(path);
  const row = typeof path === 'string' ? `row ${shown(path)}` : 'a row';
  if (problem) return `${row}: ${problem}`;
  // Empty for a file whose head could not be read (a failed entry, read again by the next scan).
  if (fastPhotoKey !== '' && !isKey(fastPhotoKey))
    return `${row}: fast-photo-key ${shown(fastPhotoKey)} is not {md5}:{size}`;
  if (photoMd5 !== null && !isHexMd5(photoMd5)) return `${row}: photo-md5 ${shown(photoMd5)} is not an MD5`;
  if ('kind' in more && !(typeof more.kind === 'string' && KINDS.has(more.kind)))
    return `${row}: kind ${shown(more.kind)} is not one the catalog knows`;
  if ('externalId' in more && more.externalId !== null)
    if (!(typeof more.externalId === 'string' && EXTERNAL_ID.test(more.externalId)))
      return `${row}: external id ${shown(more.externalId)} is not a plain token`;
  // A group's id is its primary's path, and is checked as one.
  if ('group' in more && more.group !== null) {
    const groupProblem = pathProblem(more.group);
    if (groupProblem) return `${row}: group ${groupProblem}`;
  }
  if ('operation' in more && !OPERATIONS.has(more.operation as string))
    return `${row}: operation ${shown(more.operation)} is neither star nor unstar`;
  return undefined;
}

const refused = (why: string) =>
  new PhotolalaError('CORRUPT', `not a trustworthy catalog snapshot: ${why}`, { backend: 'catalog' });

/**
 * Checks every row of a snapshot that names a file, in `entries`, `star_queue` and the `listing` that
 * reload lists from, and throws CORRUPT naming the first bad row. A snapshot with one bad row is
 * refused whole rather than loaded without it: a snapshot is immutable and named by its MD5, so a
 * catalog with rows dropped would be a different catalog under that name; refused, the next good
 * snapshot loads (an older one, or another copy), which a crafted or damaged file should not hide.
 * Extra columns (a newer version's) are not looked at, nor is `failure_code`: it names no file, and
 * whatever it holds only decides whether a failed file is read again (see retriesFailure).
 */
export function checkSnapshotRows(db: Database.Database): void {
  // Every row is read: picking suspect rows by GLOB patterns in SQL cost as much as this whole pass.
  // A snapshot older than version 3 has no groups (see schema.ts).
  const grouped = db.prepare(`SELECT 1 FROM pragma_table_info('entries') WHERE name = 'group_id'`).get();
  const entries = db
    .prepare(
      `SELECT path, fast_photo_key, photo_md5, kind, external_id, ${grouped ? 'group_id' : 'NULL'} FROM entries`,
    )
    .raw();
  for (const [path, key, md5, kind, externalId, group] of entries.iterate() as Iterable<unknown[]>) {
    const problem = rowProblem(path, key, md5, { kind, externalId, group });
    if (problem) throw refused(`entries ${problem}`);
  }
  const queue = db.prepare('SELECT path, fast_photo_key, photo_md5, operation FROM star_queue').raw();
  for (const [path, key, md5, operation] of queue.iterate() as Iterable<unknown[]>) {
    const problem = rowProblem(path, key, md5, { operation });
    if (problem) throw refused(`star queue ${problem}`);
  }
  // The listing is JSON that reload trusts as the entries: each of its rows is judged too.
  const column = (name: string) => ENTRY_COLUMN_LIST.indexOf(name);
  const [path, key, md5, kind, externalId, group] = [
    'path',
    'fast_photo_key',
    'photo_md5',
    'kind',
    'external_id',
    'group_id',
  ].map(column) as [number, number, number, number, number, number];
  readListing(db, ENTRY_COLUMN_LIST, (chunk, i) => {
    const problem = rowProblem(chunk[path]![i], chunk[key]![i], chunk[md5]![i], {
      kind: chunk[kind]![i],
      externalId: chunk[externalId]![i],
      group: chunk[group]![i],
    });
    if (problem) throw refused(`listing ${problem}`);
  });
}
