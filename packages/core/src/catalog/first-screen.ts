import type Database from 'better-sqlite3';
import { isMd5 } from '../digest/identity.js';

/** One photo of a timeline's first screen (see `readFirstScreen`). */
export interface FirstScreenPhoto {
  /**
   * Its place in `Catalog.list()`, which is path order: a number the whole listing agrees on. (Counted
   * per photo: SQLite counts a range of the primary key without visiting its rows, where numbering
   * every row with a window function cost 70 ms for 100,000.)
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

const monthText = (key: number) => `${Math.floor(key / 12)}-${String((key % 12) + 1).padStart(2, '0')}`;

/**
 * A timeline's month buckets (by capture month, `taken_at`, else the UTC month of the mtime; one
 * photo per group) and its `limit` newest photos, by SQL over the catalog's database: what a
 * gallery's first screen needs, without listing and sorting every entry, which for 100,000 photos
 * took several times as long. Capture times are read by SQLite, which takes a time without a zone
 * as UTC: a caller that sorts them otherwise must check the order against its own.
 */
export function readFirstScreen(db: Database.Database, limit: number): FirstScreen {
  const counts = db
    .prepare(
      `SELECT ${MONTH} AS month, count(*) FROM entries WHERE ${SHOWN} GROUP BY month ORDER BY month DESC`,
    )
    .raw(true)
    .all() as [number, number][];
  const months = counts.map(([month, count]) => ({ month: monthText(month), count }));
  const rows = db
    .prepare(
      `WITH newest AS (
         SELECT path, photo_md5, starred, kind,
           group_id IS NOT NULL AND role IN ('primary', 'motion', 'raw', 'edited') AS grouped, ${MONTH} AS month, ${TIME} AS time
         FROM entries WHERE ${SHOWN} ORDER BY month DESC, time DESC, path LIMIT ?
       ), members AS (
         SELECT group_id, group_concat(DISTINCT role) AS roles FROM entries
         WHERE group_id IS NOT NULL AND role IN ${MEMBER_ROLES} GROUP BY group_id
       )
       SELECT (SELECT count(*) FROM entries e WHERE e.path < newest.path), newest.path, photo_md5, starred,
         kind, grouped, members.roles
       FROM newest LEFT JOIN members ON members.group_id = newest.path
       ORDER BY month DESC, time DESC, newest.path`,
    )
    .raw(true)
    .all(limit) as [number, string, string, number, string, number, string | null][];
  const photos: FirstScreenPhoto[] = [];
  // Rows are input (a snapshot): one not of its shape ends the list rather than being passed on.
  for (const [position, path, photoMd5, starred, kind, group, attached] of rows) {
    if (typeof path !== 'string' || !isMd5(photoMd5)) break;
    photos.push({
      position,
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
