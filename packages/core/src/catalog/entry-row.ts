import type { EntryKind } from '../image-kind.js';

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

export function rowToEntry(row: EntryRow): CatalogEntry {
  return {
    path: row.path,
    fastPhotoKey: row.fast_photo_key,
    size: row.size,
    mtimeMs: row.mtime_ms,
    etag: row.etag,
    externalId: row.external_id,
    photoMd5: row.photo_md5,
    kind: row.kind as EntryKind,
    takenAt: row.taken_at,
    width: row.width,
    height: row.height,
    starred: row.starred === 1,
    status: row.status === 'ok' ? 'ok' : 'failed',
    reason: row.reason,
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
