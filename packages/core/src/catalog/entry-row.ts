import type { EntryKind } from '../image-kind.js';
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
}

export const ENTRY_COLUMNS =
  'path, fast_photo_key, size, mtime_ms, etag, external_id, photo_md5, kind, taken_at, width, height, starred, status, reason';

/** The columns `entryFromArray` expects, in its order. */
export const ENTRY_COLUMN_LIST = ENTRY_COLUMNS.split(', ');

/**
 * An ok row's reason is shown when it tells the user something (a video without poster, see
 * FFMPEG_MISSING); RACY_MTIME is internal bookkeeping, not shown.
 */
function shownReason(ok: boolean, reason: unknown): string | null {
  if (typeof reason !== 'string') return null;
  return ok && reason === RACY_MTIME ? null : reason;
}

/** A `CatalogEntry` from a row selected as an array of ENTRY_COLUMN_LIST. */
export function entryFromArray(row: unknown[]): CatalogEntry {
  const ok = row[12] === 'ok';
  return {
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
}

/** Row `i` of a chunk of columns (see readListing), as a `CatalogEntry`; the same mapping as `entryFromArray`. */
export function entryFromColumns(columns: readonly unknown[][], i: number): CatalogEntry {
  const ok = columns[12]![i] === 'ok';
  return {
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
  };
}
