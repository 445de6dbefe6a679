import type Database from 'better-sqlite3';
import { isMd5 } from '../digest/identity.js';

/** One photo of a timeline's first screen (see `readFirstScreen`). */
export interface FirstScreenPhoto {
  /**
   * Its place in `Catalog.list()`, which is path order: a number the whole listing agrees on.
   * (Counted between the photos taken in path order, so the counts together walk the paths once, up
   * to the last photo's: counted per photo from the first path, 300 photos of a 100,000-entry
   * catalog walked millions of rows; numbering every row with a window function cost 70 ms.)
   */
  position: number;
  path: string;
  photoMd5: string;
  starred: boolean;
  kind: string;
  /** Whether it is a file of a group (a primary with or without files attached). */
  grouped: boolean;
  /** Roles of the files attached to it, when it is a group's primary (`motion`, `raw`, `edited`). */
  attached: string[];
}

/** The month buckets of a catalog's timeline and its newest photos, read without listing it. */
export interface FirstScreen {
  /** `YYYY-MM` and how many photos fall in it, newest month first. */
  months: { month: string; count: number }[];
  total: number;
  /** The newest photos, newest first. */
  photos: FirstScreenPhoto[];
}

/** Attached roles (a group's other files): their file has no tile of its own when its primary has one. */
const MEMBER_ROLES = `('motion', 'raw', 'edited')`;
const IS_PHOTO = `status = 'ok' AND photo_md5 IS NOT NULL AND photo_md5 != ''`;
/** A capture date the timeline trusts: a `YYYY-MM` month, and a time SQLite can read. */
const TAKEN = `(taken_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]*' AND CAST(substr(taken_at, 6, 2) AS INTEGER) BETWEEN 1 AND 12
  AND julianday(taken_at) IS NOT NULL)`;
/** `year * 12 + month - 1` of a `YYYYMM` number. */
const key = (yyyymm: string) => `(${yyyymm}) / 100 * 12 + (${yyyymm}) % 100 - 1`;
const MONTH = `CASE WHEN ${TAKEN}
    THEN ${key('CAST(substr(taken_at, 1, 4) || substr(taken_at, 6, 2) AS INTEGER)')}
    ELSE ${key("CAST(strftime('%Y%m', mtime_ms / 1000, 'unixepoch') AS INTEGER)")} END`;
const TIME = `CASE WHEN ${TAKEN} THEN CAST(round((julianday(taken_at) - 2440587.5) * 86400000) AS INTEGER) ELSE mtime_ms END`;
/** The photos a timeline shows: every photo but the members of a group whose primary is shown. */
const SHOWN = `${IS_PHOTO} AND NOT (group_id IS NOT NULL AND role IN ${MEMBER_ROLES} AND group_id IN
  (SELECT path FROM entries WHERE role = 'primary' AND group_id IS NOT NULL AND ${IS_PHOTO}))`;

/**
 * The month bucket of a photo as the months query groups it: its capture month key when it has a
 * capture date the timeline trusts, else `-1 - day` of its mtime (UTC days since 1970), turned into
 * a month here: SQLite's `strftime` per photo was most of the query. Mtimes before 1970 take the
 * month key by `strftime`, since integer division truncates toward zero.
 */
const BUCKET = `CASE WHEN ${TAKEN}
    THEN ${key('CAST(substr(taken_at, 1, 4) || substr(taken_at, 6, 2) AS INTEGER)')}
    WHEN mtime_ms >= 0 THEN -1 - CAST(mtime_ms / 86400000 AS INTEGER)
    ELSE ${key("CAST(strftime('%Y%m', mtime_ms / 1000, 'unixepoch') AS INTEGER)")} END`;

const monthText = (key: number) => `${Math.floor(key / 12)}-${String((key % 12) + 1).padStart(2, '0')}`;

/** The month key of a bucket (see BUCKET). */
function monthOfBucket(bucket: number): number {
  if (bucket >= 0) return bucket;
  const date = new Date((-1 - bucket) * 86_400_000);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

/** SQLite's order of paths (BINARY: the bytes of their UTF-8), which JS's `<` on UTF-16 is not always. */
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/**
 * A timeline's month buckets (by capture month, `taken_at`, else the UTC month of the mtime; one
 * photo per group) and its `limit` newest photos, by SQL over the catalog's database: what a
 * gallery's first screen needs, without listing and sorting every entry, which for 100,000 photos
 * took several times as long. Capture times are read by SQLite, which takes a time without a zone
 * as UTC: a caller that sorts them otherwise must check the order against its own.
 */
export function readFirstScreen(db: Database.Database, limit: number): FirstScreen {
  const buckets = db
    .prepare(`SELECT ${BUCKET} AS bucket, count(*) FROM entries WHERE ${SHOWN} GROUP BY bucket`)
    .raw(true)
    .all() as [number, number][];
  const byMonth = new Map<number, number>();
  for (const [bucket, count] of buckets) {
    const month = monthOfBucket(bucket);
    byMonth.set(month, (byMonth.get(month) ?? 0) + count);
  }
  const counts = [...byMonth].sort(([a], [b]) => b - a);
  const months = counts.map(([month, count]) => ({ month: monthText(month), count }));
  // The newest `limit` photos lie in the newest months that hold `limit` photos: a cheap test that
  // keeps those months' photos (and a few more) spares the rest the month and time of the order.
  let held = 0;
  let oldest = counts.at(-1)?.[0] ?? 0;
  for (const [month, count] of counts) {
    held += count;
    oldest = month;
    if (held >= limit) break;
  }
  const since = `${String(Math.floor(oldest / 12)).padStart(4, '0')}-${String((oldest % 12) + 1).padStart(2, '0')}`;
  const sinceMs = Date.UTC(Math.floor(oldest / 12), oldest % 12, 1);
  const rows = db
    .prepare(
      `WITH newest AS (
         SELECT path, photo_md5, starred, kind,
           group_id IS NOT NULL AND role IN ('primary', 'motion', 'raw', 'edited') AS grouped, ${MONTH} AS month, ${TIME} AS time
         FROM entries WHERE ${SHOWN} AND (taken_at >= ? OR mtime_ms >= ?)
         ORDER BY month DESC, time DESC, path LIMIT ?
       ), members AS (
         SELECT group_id, group_concat(DISTINCT role) AS roles FROM entries
         WHERE group_id IS NOT NULL AND role IN ${MEMBER_ROLES} GROUP BY group_id
       )
       SELECT newest.path, photo_md5, starred, kind, grouped, members.roles
       FROM newest LEFT JOIN members ON members.group_id = newest.path
       ORDER BY month DESC, time DESC, newest.path`,
    )
    .raw(true)
    .all(since, sinceMs, limit) as [string, string, number, string, number, string | null][];
  const photos: FirstScreenPhoto[] = [];
  // Rows are input (a snapshot): one not of its shape ends the list rather than being passed on.
  const shown: typeof rows = [];
  for (const row of rows) {
    if (typeof row[0] !== 'string' || !isMd5(row[1])) break;
    shown.push(row);
  }
  const positions = positionsOf(
    db,
    shown.map(([path]) => path),
  );
  for (const [path, photoMd5, starred, kind, group, attached] of shown) {
    photos.push({
      position: positions.get(path)!,
      path,
      photoMd5,
      starred: starred === 1,
      kind,
      grouped: group === 1,
      attached: attached ? attached.split(',') : [],
    });
  }
  return { months, total: counts.reduce((sum, [, count]) => sum + count, 0), photos };
}

/**
 * The place in path order of each of `paths`, counted from one to the next in path order. SQLite's
 * order, which is the listing's unless a path mixes characters past U+FFFF with U+E000-U+FFFF (the
 * listing is sorted by UTF-16 code units): a caller checks against its own numbering.
 */
function positionsOf(db: Database.Database, paths: string[]): Map<string, number> {
  const before = db.prepare('SELECT count(*) FROM entries WHERE path < ?').pluck();
  const between = db.prepare('SELECT count(*) FROM entries WHERE path >= ? AND path < ?').pluck();
  const positions = new Map<string, number>();
  let previous: string | undefined;
  let position = 0;
  for (const path of [...new Set(paths)].sort(byBytes)) {
    position += (previous === undefined ? before.get(path) : between.get(previous, path)) as number;
    positions.set(path, position);
    previous = path;
  }
  return positions;
}
