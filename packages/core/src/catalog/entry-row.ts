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

/**
 * The columns of an entry already named and shaped as a `CatalogEntry` (all but `starred`, which
 * SQLite returns as 0/1), so listing 100k entries needs no second object per row.
 */
export const CATALOG_ENTRY_COLUMNS = `path, fast_photo_key AS fastPhotoKey, size, mtime_ms AS mtimeMs, etag,
  external_id AS externalId, photo_md5 AS photoMd5, kind, taken_at AS takenAt, width, height, starred,
  CASE status WHEN 'ok' THEN 'ok' ELSE 'failed' END AS status,
  CASE status WHEN 'ok' THEN NULL ELSE reason END AS reason`;

/** Turns a row selected with CATALOG_ENTRY_COLUMNS into a `CatalogEntry`, in place. */
export function asCatalogEntry(row: Omit<CatalogEntry, 'starred'> & { starred: unknown }): CatalogEntry {
  row.starred = row.starred === 1;
  return row as CatalogEntry;
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
