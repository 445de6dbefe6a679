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
  const cache = cacheOf(db);
  const known = cache.firstScreens.get(limit);
  if (known) return known;
  const { counts, months } = readMonths(db);
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
      `SELECT path, photo_md5, starred, kind,
         group_id IS NOT NULL AND role IN ('primary', 'motion', 'raw', 'edited') AS grouped, NULL, ${MONTH} AS month, ${TIME} AS time
       FROM entries WHERE ${SHOWN} AND (taken_at >= ? OR mtime_ms >= ?)
       ORDER BY month DESC, time DESC, path LIMIT ?`,
    )
    .raw(true)
    .all(since, sinceMs, limit) as PhotoRow[];
  const screen: FirstScreen = {
    months,
    total: counts.reduce((sum, [, count]) => sum + count, 0),
    photos: photosOf(db, rows),
  };
  cache.firstScreens.set(limit, screen);
  return screen;
}

/** The first screen of `limit` photos already read from `db` while it is unchanged, if any. */
export function knownFirstScreen(db: Database.Database, limit: number): FirstScreen | undefined {
  return cacheOf(db).firstScreens.get(limit);
}

/** Keeps `screen` as `db`'s first screen of `limit` photos while `db` is unchanged (one read from a file). */
export function rememberFirstScreen(db: Database.Database, limit: number, screen: FirstScreen): void {
  cacheOf(db).firstScreens.set(limit, screen);
}

/** A page of a timeline (see `readTimelinePage`). */
export interface TimelinePage {
  total: number;
  /** The photos at the timeline positions `offset` on, newest first. */
  photos: FirstScreenPhoto[];
}

/** `YYYY-MM` of a month key, as capture dates begin: what a range of them compares against. */
const monthPrefix = (month: number) =>
  `${String(Math.floor(month / 12)).padStart(4, '0')}-${String((month % 12) + 1).padStart(2, '0')}`;

/**
 * The photos at timeline positions `offset` to `offset + limit` (in `readFirstScreen`'s order), by
 * SQL, without listing the catalog: where a gallery's scrubber jumps to. The month counts place the
 * page in a run of months; only the photos whose capture date or mtime can fall in those months
 * get their month and time computed and are sorted, so a page costs about one pass over the
 * table's rows, not a sort of all of them.
 */
export function readTimelinePage(db: Database.Database, offset: number, limit: number): TimelinePage {
  const { counts } = readMonths(db);
  const total = counts.reduce((sum, [, n]) => sum + n, 0);
  if (limit <= 0 || offset >= total) return { total, photos: [] };
  // The months the page spans, newest (`newest`, whose first photo is at `first`) to oldest.
  let first = 0;
  let at = 0;
  while (at < counts.length && first + counts[at]![1] <= offset) first += counts[at++]![1];
  const newest = counts[at]![0];
  let oldest = newest;
  for (let held = first; at < counts.length && held < offset + limit; at++) {
    held += counts[at]![1];
    oldest = counts[at]![0];
  }
  // A superset of the months' photos, cheap to test (a capture date's text, an mtime a day either
  // side of the months); the month itself decides.
  const day = 86_400_000;
  const since = Date.UTC(Math.floor(oldest / 12), oldest % 12, 1) - day;
  const until = Date.UTC(Math.floor(newest / 12), (newest % 12) + 1, 1) + day;
  const rows = db
    .prepare(
      `SELECT path, photo_md5, starred, kind,
         group_id IS NOT NULL AND role IN ('primary', 'motion', 'raw', 'edited') AS grouped, NULL, ${MONTH} AS month, ${TIME} AS time
       FROM entries
       WHERE ((taken_at >= ? AND taken_at < ?) OR (mtime_ms >= ? AND mtime_ms < ?)) AND ${SHOWN}
         AND month BETWEEN ? AND ?
       ORDER BY month DESC, time DESC, path LIMIT ? OFFSET ?`,
    )
    .raw(true)
    .all(
      monthPrefix(oldest),
      monthPrefix(newest + 1),
      since,
      until,
      oldest,
      newest,
      limit,
      offset - first,
    ) as PhotoRow[];
  return { total, photos: photosOf(db, rows) };
}

/**
 * The photos of `rows` in their order, with their group members and timeline positions. Rows are
 * input (a snapshot): one not of its shape ends the list rather than being passed on.
 */
function photosOf(db: Database.Database, rows: PhotoRow[]): FirstScreenPhoto[] {
  const shown: PhotoRow[] = [];
  for (const row of rows) {
    if (typeof row[0] !== 'string' || !isMd5(row[1])) break;
    shown.push(row);
  }
  withMembers(db, shown);
  const positions = positionsOf(
    db,
    shown.map(([path]) => path),
  );
  return shown.map((row) => photoOf(row, positions));
}

/**
 * Fills in the roles attached to each group's primary among `rows` (their sixth column), by one
 * query for the photos that are grouped, if any: joined into the query of the rows, the members were
 * counted over the whole table even for a page with no group in it.
 */
function withMembers(db: Database.Database, rows: PhotoRow[]): void {
  const grouped = rows.filter((row) => row[4] === 1 && typeof row[0] === 'string').map(([path]) => path);
  if (grouped.length === 0) return;
  const roles = new Map(
    db
      .prepare(
        `SELECT group_id, group_concat(DISTINCT role) FROM entries
         WHERE group_id IN (SELECT value FROM json_each(?)) AND role IN ${MEMBER_ROLES} GROUP BY group_id`,
      )
      .raw(true)
      .all(JSON.stringify(grouped)) as [string, string][],
  );
  for (const row of rows) if (row[4] === 1) row[5] = roles.get(row[0]) ?? null;
}

/** What this file read of a database, while the database is unchanged (see `cacheOf`). */
interface Cached {
  changes: number;
  months?: ReturnType<typeof countMonths>;
  firstScreens: Map<number, FirstScreen>;
  starts: Map<string, MonthStarts>;
  folders?: Map<string, number>;
}
const caches = new WeakMap<Database.Database, Cached>();

/**
 * The answers already read from `db`, emptied when it changed: SQLite's count of the rows this
 * connection has changed moves on every write (a star, a scan's entries), and a catalog that swaps
 * its database (a first write, a reload) brings another connection. A gallery asks for its first
 * screen on every visit of its page, which at 100,000 photos is a tenth of a second of SQL.
 */
function cacheOf(db: Database.Database): Cached {
  const changes = db.prepare('SELECT total_changes()').pluck().get() as number;
  let cache = caches.get(db);
  if (cache?.changes !== changes) {
    cache = { changes, firstScreens: new Map(), starts: new Map() };
    caches.set(db, cache);
  }
  return cache;
}

type PhotoRow = [
  path: string,
  photoMd5: string,
  starred: number,
  kind: string,
  grouped: number,
  roles: string | null,
];

const photoOf = (
  [path, photoMd5, starred, kind, group, attached]: PhotoRow,
  positions: Map<string, number>,
): FirstScreenPhoto => ({
  position: positions.get(path)!,
  path,
  photoMd5,
  starred: starred === 1,
  kind,
  grouped: group === 1,
  attached: attached ? attached.split(',') : [],
});

/** `countMonths`, once per unchanged database. */
function readMonths(db: Database.Database): ReturnType<typeof countMonths> {
  const cache = cacheOf(db);
  cache.months ??= countMonths(db);
  return cache.months;
}

/** The timeline's buckets (see BUCKET) with their photo counts, by month key, newest month first. */
function countMonths(db: Database.Database) {
  // Counted here from one JSON array of every photo's bucket: SQLite's GROUP BY sorts all the rows
  // first, which cost twice the pass that reads them.
  const all = JSON.parse(
    (db.prepare(`SELECT json_group_array(${BUCKET}) FROM entries WHERE ${SHOWN}`).pluck().get() as string) ??
      '[]',
  ) as number[];
  const perBucket = new Map<number, number>();
  for (const bucket of all) perBucket.set(bucket, (perBucket.get(bucket) ?? 0) + 1);
  const byMonth = new Map<number, [bucket: number, count: number][]>();
  for (const [bucket, count] of perBucket) {
    const month = monthOfBucket(bucket);
    const list = byMonth.get(month) ?? [];
    list.push([bucket, count]);
    byMonth.set(month, list);
  }
  const counts = [...byMonth]
    .map(([month, list]) => [month, list.reduce((sum, [, n]) => sum + n, 0)] as [number, number])
    .sort(([a], [b]) => b - a);
  const months = counts.map(([month, count]) => ({ month: monthText(month), count }));
  return { counts, months, byMonth };
}

/** The first photos of one month of a timeline (see `readMonthStarts`). */
export interface MonthStart {
  /** `YYYY-MM`. */
  month: string;
  /** The timeline position (newest first, from 0) of the month's first photo. */
  first: number;
  /** How many photos the month holds. */
  count: number;
  /** The month's newest photos, newest first, as many as asked for or as it holds. */
  photos: FirstScreenPhoto[];
  /**
   * The month's oldest photos (`tail` of them, or as many as it holds), newest first: the last is at
   * `first + count - 1`. What a screen shows above the next month's start, or at the timeline's end.
   */
  last: FirstScreenPhoto[];
}

/** The month buckets of a catalog's timeline and the first photos of each (see `readMonthStarts`). */
export interface MonthStarts {
  months: { month: string; count: number }[];
  total: number;
  /** One per month, newest month first, up to the number of months asked for. */
  starts: MonthStart[];
}

/**
 * The `count` newest photos (and the `tail` oldest) of each of the `maxMonths` newest months of a
 * catalog's timeline, in the timeline's order (as `readFirstScreen` orders it), by SQL: where a gallery's scrubber jumps
 * to, without listing the catalog. Only the buckets that can hold a month's newest photos are
 * ranked: its capture-dated photos, and its newest days of mtimes until they hold `count` photos.
 */
export function readMonthStarts(
  db: Database.Database,
  count: number,
  maxMonths = Infinity,
  tail = 0,
): MonthStarts {
  const cache = cacheOf(db);
  const key = `${count}/${maxMonths}/${tail}`;
  const known = cache.starts.get(key);
  if (known) return known;
  const { counts, months, byMonth } = readMonths(db);
  const total = counts.reduce((sum, [, n]) => sum + n, 0);
  const kept = counts.slice(0, Math.max(0, maxMonths));
  /** Buckets that can hold a month's newest `count` photos, and those that can hold its oldest `tail`. */
  const heads: number[] = [];
  const tails: number[] = [];
  const pick = (list: [number, number][], want: number, into: number[]) => {
    let held = 0;
    for (const [bucket, n] of list) {
      if (bucket < 0 && held >= want) break;
      into.push(bucket);
      if (bucket < 0) held += n;
    }
  };
  for (const [month] of kept) {
    // A capture-dated month (bucket >= 0) spans the whole month; mtime days (below 0) newest first.
    const list = [...byMonth.get(month)!].sort(([a], [b]) => Number(a < 0) - Number(b < 0) || a - b);
    if (count > 0) pick(list, count, heads);
    if (tail > 0)
      pick([...list.filter(([b]) => b >= 0), ...list.filter(([b]) => b < 0).reverse()], tail, tails);
  }
  const rows =
    heads.length || tails.length
      ? (db
          .prepare(
            `WITH shown AS (
               SELECT path, photo_md5, starred, kind,
                 group_id IS NOT NULL AND role IN ('primary', 'motion', 'raw', 'edited') AS grouped,
                 ${BUCKET} AS bucket, ${TIME} AS time
               FROM entries WHERE ${SHOWN}
             ), ranked AS (
               SELECT *, row_number() OVER (PARTITION BY bucket ORDER BY time DESC, path) AS n,
                 row_number() OVER (PARTITION BY bucket ORDER BY time, path DESC) AS m
               FROM shown WHERE bucket IN (SELECT value FROM json_each(?))
             ), members AS (
               SELECT group_id, group_concat(DISTINCT role) AS roles FROM entries
               WHERE group_id IS NOT NULL AND role IN ${MEMBER_ROLES} GROUP BY group_id
             )
             SELECT ranked.path, photo_md5, starred, kind, grouped, members.roles, bucket, time
             FROM ranked LEFT JOIN members ON members.group_id = ranked.path
             WHERE (n <= ? AND bucket IN (SELECT value FROM json_each(?)))
               OR (m <= ? AND bucket IN (SELECT value FROM json_each(?)))`,
          )
          .raw(true)
          .all(
            JSON.stringify([...new Set([...heads, ...tails])]),
            count,
            JSON.stringify(heads),
            tail,
            JSON.stringify(tails),
          ) as [...PhotoRow, number, number][])
      : [];
  const byMonthRows = new Map<number, [...PhotoRow, number, number][]>();
  for (const row of rows) {
    // Rows are input (a snapshot): one not of its shape is left out rather than passed on.
    if (typeof row[0] !== 'string' || !isMd5(row[1]) || typeof row[7] !== 'number') continue;
    const month = monthOfBucket(row[6]);
    const list = byMonthRows.get(month) ?? [];
    list.push(row);
    byMonthRows.set(month, list);
  }
  // Newest first, then by path (SQLite's order), as the first screen's query orders them. A month's
  // rows hold all of its newest `count` and oldest `tail`, whatever else they hold between.
  const order = (a: [...PhotoRow, number, number], b: [...PhotoRow, number, number]) =>
    b[7] - a[7] || byBytes(a[0], b[0]);
  const chosen = kept.map(([month, n]) => {
    const list = (byMonthRows.get(month) ?? []).sort(order);
    return { head: list.slice(0, count), end: tail > 0 ? list.slice(-Math.min(tail, n)) : [] };
  });
  const positions = positionsOf(
    db,
    chosen.flatMap(({ head, end }) => [...head, ...end].map(([path]) => path)),
  );
  const photo = (row: [...PhotoRow, number, number]) => photoOf(row.slice(0, 6) as PhotoRow, positions);
  let first = 0;
  const starts = kept.map(([month, n], i) => {
    const start: MonthStart = {
      month: monthText(month),
      first,
      count: n,
      photos: chosen[i]!.head.map(photo),
      last: chosen[i]!.end.map(photo),
    };
    first += n;
    return start;
  });
  const answer = { months, total, starts };
  cache.starts.set(key, answer);
  return answer;
}

/**
 * The place in path order of each of `paths`, counted from one to the next in path order. SQLite's
 * order, which is the listing's unless a path mixes characters past U+FFFF with U+E000-U+FFFF (the
 * listing is sorted by UTF-16 code units): a caller checks against its own numbering.
 */
export function positionsOf(db: Database.Database, paths: string[]): Map<string, number> {
  const before = db.prepare('SELECT count(*) FROM entries WHERE path < ?').pluck();
  const between = db.prepare('SELECT count(*) FROM entries WHERE path >= ? AND path < ?').pluck();
  const positions = new Map<string, number>();
  let previous: string | undefined;
  let position = 0;
  const sorted = [...new Set(paths)]
    .map((path) => ({ path, bytes: Buffer.from(path, 'utf8') }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map(({ path }) => path);
  for (const path of sorted) {
    position += (previous === undefined ? before.get(path) : between.get(previous, path)) as number;
    positions.set(path, position);
    previous = path;
  }
  return positions;
}

/**
 * How many photos of the timeline (one per group, as `readFirstScreen` counts them) lie directly in
 * each folder, by its path in the root (`''` for the root's own), read without listing the catalog:
 * the paths alone, in path order, so that one folder's photos come together.
 */
export function readFolderPhotos(db: Database.Database): Map<string, number> {
  const cache = cacheOf(db);
  if (cache.folders) return cache.folders;
  const paths = db
    .prepare(`SELECT path FROM entries WHERE ${SHOWN} ORDER BY path`)
    .pluck()
    .all() as unknown[];
  const counts = new Map<string, number>();
  let folder = '';
  let run = 0;
  for (const path of paths) {
    // Rows are input (a snapshot): a path that is not a string is no photo of the timeline.
    if (typeof path !== 'string') continue;
    const slash = path.lastIndexOf('/');
    const here = slash > 0 ? path.slice(0, slash) : '';
    if (here === folder) {
      run++;
      continue;
    }
    if (run > 0) counts.set(folder, (counts.get(folder) ?? 0) + run);
    folder = here;
    run = 1;
  }
  if (run > 0) counts.set(folder, (counts.get(folder) ?? 0) + run);
  cache.folders = counts;
  return counts;
}
