import type { EntryKind } from '../digest/image-kind.js';
import { ERROR_CODES, type ErrorCode, isPhotolalaError, isTransientFailure } from '../source/errors.js';
import { GROUP_ROLES, type GroupRole } from './groups.js';
import { RACY_MTIME } from './racy-mtime.js';

/** One catalog entry as the browser sees it. */
export interface CatalogEntry {
  path: string;
  fastPhotoKey: string;
  size: number;
  mtimeMs: number;
  etag: string | null;
  /** Backend identity, e.g. the apple-photo-id. */
  externalId: string | null;
  /** Null for non-images and for images whose digest failed. */
  photoMd5: string | null;
  kind: EntryKind;
  /** ISO 8601 capture time from EXIF (see the metadata document). */
  takenAt: string | null;
  width: number | null;
  height: number | null;
  starred: boolean;
  status: 'ok' | 'failed';
  /** Why the digest failed, for `failed` entries. */
  reason: string | null;
  /**
   * The group this file belongs to (a Live Photo, a RAW+JPEG pair, a photo and its edited copy): the
   * path of the group's primary entry. Absent for a file in no group.
   */
  group?: string;
  /** Its role in `group`: `primary` (the photo shown), `motion`, `raw` or `edited`. */
  role?: GroupRole;
  /** XMP rating, -1 (rejected) to 5 stars; absent when none was recorded. */
  rating?: number;
  /** XMP keywords (`dc:subject`); absent when none were recorded. */
  keywords?: string[];
}

export interface EntryRow {
  path: string;
  fast_photo_key: string;
  size: number;
  mtime_ms: number;
  etag: string | null;
  external_id: string | null;
  photo_md5: string | null;
  kind: string;
  taken_at: string | null;
  width: number | null;
  height: number | null;
  starred: number;
  status: string;
  reason: string | null;
  group_id: string | null;
  role: string | null;
  rating: number | null;
  /** Joined by newlines. */
  keywords: string | null;
}

/**
 * A whole row as the scan reads and writes it: the entry's columns and the code its failure had.
 * `failure_code` is null for an ok row, and for a failed row written before schema version 5.
 */
export interface ScanRow extends EntryRow {
  failure_code: FailureCode | null;
}

/**
 * Stored for a failure whose error had no code, to tell it from a null code. The core's own verdicts
 * on content (sniffing, decoders, video tools) are coded CORRUPT; an uncoded error is one the core
 * cannot classify, most often a backend's own error it forgot to wrap.
 */
export const UNCODED_FAILURE = '';

/** What `failure_code` holds for a failed row: its PhotolalaError's code, or UNCODED_FAILURE. */
export type FailureCode = ErrorCode | typeof UNCODED_FAILURE;

const KNOWN_CODES: ReadonlySet<unknown> = new Set(ERROR_CODES);

/**
 * Whether a failed row is tried again though its file looks unchanged: its failure named a passing
 * condition (a dropped connection, a permission since fixed), decided from the code stored as data.
 * Only a code that is a verdict on the file itself (CORRUPT, UNSUPPORTED...) leaves it alone until it
 * changes. A failure that had no code (UNCODED_FAILURE: a backend's stream that threw a plain Error)
 * says nothing about the file, so it is tried again: nothing may stay unchecked because a backend
 * forgot to wrap an error. A row without a code was written before codes were stored (schema 4 and
 * older), and a code this release does not know (a newer release's, or a crafted snapshot's) is
 * tried again for the same reason. Each costs one more read of a file that failed, which then
 * records its code, where leaving it would keep a photo out of the catalog until its file changes.
 */
export function retriesFailure(code: string | null): boolean {
  if (code === null || !KNOWN_CODES.has(code)) return true;
  return isTransientFailure(code as ErrorCode);
}

/** The code stored for a failure: the error's own, as data, never read out of its message. */
export function failureCodeOf(error: unknown): FailureCode {
  return isPhotolalaError(error) ? error.code : UNCODED_FAILURE;
}

export const ENTRY_COLUMNS =
  'path, fast_photo_key, size, mtime_ms, etag, external_id, photo_md5, kind, taken_at, width, height, starred, status, reason, group_id, role, rating, keywords';

/** The columns `entryFromArray` expects, in its order; the `listing` table stores these. */
export const ENTRY_COLUMN_LIST = ENTRY_COLUMNS.split(', ');

/**
 * Every column of a ScanRow: the entry's, then `failure_code`, which only a scan reads (to decide
 * whether a failed file is tried again) and so stays out of the listing and of `CatalogEntry`.
 */
export const ROW_COLUMNS = `${ENTRY_COLUMNS}, failure_code`;

/** The named parameters of ROW_COLUMNS, for an INSERT of a `ScanRow`. */
export const ROW_VALUES = ROW_COLUMNS.split(', ')
  .map((column) => `@${column}`)
  .join(', ');

/** ROW_COLUMNS as a list. */
export const ROW_COLUMN_LIST = ROW_COLUMNS.split(', ');

/**
 * An ok row's reason is shown when it tells the user something (a video without poster, see
 * FFMPEG_MISSING); RACY_MTIME is internal bookkeeping, not shown.
 */
function shownReason(ok: boolean, reason: unknown): string | null {
  if (typeof reason !== 'string') return null;
  return ok && reason === RACY_MTIME ? null : reason;
}

const ROLES: ReadonlySet<unknown> = new Set(GROUP_ROLES);

/**
 * Sets the group, rating and keywords of a row on its entry, where it has them: values a snapshot
 * holds are untrusted, so anything not of their shape is left out rather than passed on. Left out,
 * not set to undefined: most entries have none of them, and every entry a listing keeps is smaller
 * without the four fields (figures in bench/README.md, session 23).
 */
function withExtras(
  entry: CatalogEntry,
  groupId: unknown,
  role: unknown,
  rating: unknown,
  keywords: unknown,
): CatalogEntry {
  if (typeof groupId === 'string' && ROLES.has(role)) {
    entry.group = groupId;
    entry.role = role as GroupRole;
  }
  if (typeof rating === 'number' && Number.isInteger(rating) && rating >= -1 && rating <= 5)
    entry.rating = rating;
  if (typeof keywords === 'string' && keywords !== '') entry.keywords = keywords.split('\n');
  return entry;
}

/** A `CatalogEntry` from a row selected as an array of ENTRY_COLUMN_LIST. */
export function entryFromArray(row: unknown[]): CatalogEntry {
  const ok = row[12] === 'ok';
  const entry: CatalogEntry = {
    path: row[0] as string,
    fastPhotoKey: row[1] as string,
    size: row[2] as number,
    mtimeMs: row[3] as number,
    etag: row[4] as string | null,
    externalId: row[5] as string | null,
    photoMd5: row[6] as string | null,
    kind: row[7] as EntryKind,
    takenAt: row[8] as string | null,
    width: row[9] as number | null,
    height: row[10] as number | null,
    starred: row[11] === 1,
    status: ok ? 'ok' : 'failed',
    reason: shownReason(ok, row[13]),
  };
  return withExtras(entry, row[14], row[15], row[16], row[17]);
}

/** Row `i` of a chunk of columns (see readListing), as a `CatalogEntry`; the same mapping as `entryFromArray`. */
export function entryFromColumns(columns: readonly unknown[][], i: number): CatalogEntry {
  const ok = columns[12]![i] === 'ok';
  const entry: CatalogEntry = {
    path: columns[0]![i] as string,
    fastPhotoKey: columns[1]![i] as string,
    size: columns[2]![i] as number,
    mtimeMs: columns[3]![i] as number,
    etag: columns[4]![i] as string | null,
    externalId: columns[5]![i] as string | null,
    photoMd5: columns[6]![i] as string | null,
    kind: columns[7]![i] as EntryKind,
    takenAt: columns[8]![i] as string | null,
    width: columns[9]![i] as number | null,
    height: columns[10]![i] as number | null,
    starred: columns[11]![i] === 1,
    status: ok ? 'ok' : 'failed',
    reason: shownReason(ok, columns[13]![i]),
  };
  return withExtras(entry, columns[14]![i], columns[15]![i], columns[16]![i], columns[17]![i]);
}

export function entryToRow(entry: CatalogEntry): EntryRow {
  return {
    path: entry.path,
    fast_photo_key: entry.fastPhotoKey,
    size: entry.size,
    mtime_ms: entry.mtimeMs,
    etag: entry.etag,
    external_id: entry.externalId,
    photo_md5: entry.photoMd5,
    kind: entry.kind,
    taken_at: entry.takenAt,
    width: entry.width,
    height: entry.height,
    starred: entry.starred ? 1 : 0,
    status: entry.status,
    reason: entry.reason,
    group_id: entry.group ?? null,
    role: entry.role ?? null,
    rating: entry.rating ?? null,
    keywords: entry.keywords?.join('\n') ?? null,
  };
}
