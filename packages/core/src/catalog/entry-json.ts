import type { CatalogEntry } from './entry-row.js';
import { RACY_MTIME } from './racy-mtime.js';

/**
 * An entry as scripts read it: one line of `photolala list --json` is `JSON.stringify` of this (a
 * group's line adds its `members`). Absent optional fields are left out, not written as null.
 */
export function entryJson(entry: CatalogEntry) {
  return {
    path: entry.path,
    fastPhotoKey: entry.fastPhotoKey,
    photoMd5: entry.photoMd5,
    size: entry.size,
    mtimeMs: entry.mtimeMs,
    kind: entry.kind,
    takenAt: entry.takenAt,
    width: entry.width,
    height: entry.height,
    starred: entry.starred,
    status: entry.status,
    ...(entry.reason ? { reason: entry.reason } : {}),
    ...(entry.externalId ? { externalId: entry.externalId } : {}),
    // A Live Photo, RAW+JPEG pair or edited copy: the primary's path and this file's role.
    ...(entry.group ? { group: entry.group, role: entry.role } : {}),
    ...(entry.rating !== undefined ? { rating: entry.rating } : {}),
    ...(entry.keywords ? { keywords: entry.keywords } : {}),
  };
}

/** Lines of `list --json` that SQLite made, for `count` rows in path order, each ending in a newline. */
export interface EntryLines {
  lines: string;
  count: number;
}

/**
 * Integers below 2^53 print alike in SQLite and JavaScript. Strictly below: better-sqlite3 reads a
 * larger integer as the nearest double, and 2^53 + 1 would come back as 2^53.
 */
const EXACT = 2 ** 53;

// The columns `entryJson` prints as they are stored, and those that hold text in every row the catalog
// writes. A REAL prints differently in SQLite's JSON (`100.0`, `1.0e+20`, at times 17 digits where
// JavaScript needs 16), and so does an integer past 2^53.
const NUMBERS = ['size', 'mtime_ms', 'width', 'height'];
const TEXTS = ['path', 'fast_photo_key', 'photo_md5', 'kind', 'taken_at', 'external_id'];

const FIXED = `json_object('path', path, 'fastPhotoKey', fast_photo_key, 'photoMd5', photo_md5, 'size', size,
  'mtimeMs', mtime_ms, 'kind', kind, 'takenAt', taken_at, 'width', width, 'height', height,
  'starred', iif(starred = 1, json('true'), json('false')), 'status', iif(status = 'ok', 'ok', 'failed'))`;

// entryFromArray's mappings (shownReason, withExtras) and entryJson's tests of each
// optional field, in SQL. `json_quote` fails on a BLOB, which the caller takes as a chunk to read
// the general way. A keyword list is quoted whole and split at its escaped newlines, which only a
// backslash in a keyword could imitate: such a row's line holds a NUL instead, which no JSON text
// holds unescaped, and which `selectLines` takes as a line it must not use.
const OPTIONAL = [
  `CASE WHEN typeof(reason) = 'text' AND reason <> '' AND NOT (status IS 'ok' AND reason IS '${RACY_MTIME}')
    THEN ',"reason":' || json_quote(reason) ELSE '' END`,
  `CASE WHEN external_id <> '' THEN ',"externalId":' || json_quote(external_id) ELSE '' END`,
  `CASE WHEN typeof(rating) = 'integer' AND rating BETWEEN -1 AND 5 THEN ',"rating":' || rating ELSE '' END`,
  `CASE WHEN typeof(keywords) <> 'text' OR keywords = '' THEN ''
    WHEN instr(keywords, char(92)) > 0 THEN char(0)
    ELSE ',"keywords":[' || replace(json_quote(keywords), '\\n', '","') || ']' END`,
];

/**
 * An `entries` row's line of `list --json` (without its newline), made by SQLite: byte for byte
 * `JSON.stringify(entryJson(entryFromArray(row)))` for every row of a range over which
 * ENTRY_JSON_CHECKS holds (see `plainEntryJson`), unless its text was not UTF-8. A row in a
 * group is never made this way: its line depends on the other files of its group.
 */
export const ENTRY_JSON_SQL = `CASE WHEN reason IS NULL AND external_id IS NULL AND rating IS NULL AND keywords IS NULL
  THEN ${FIXED} ELSE rtrim(${FIXED}, '}') || ${OPTIONAL.join(' || ')} || '}' END`;

/**
 * Aggregates over a range of `entries` rows that tell whether ENTRY_JSON_SQL is exact for all of them
 * (see `plainEntryJson`): no row in a group; no REAL among the numbers or the rating (their `sum` would
 * be one); no number past 2^53 (the sum of the numbers' magnitudes stays below it, which 400 times
 * today's time in milliseconds does); no number where text belongs (numbers sort before text). One
 * aggregate per column, cheaper than one over an expression of several; SQLite computes an aggregate
 * named twice once.
 */
export const ENTRY_JSON_CHECKS = [
  'count(group_id)',
  ...NUMBERS.flatMap((column) => [`typeof(sum(abs(${column})))`, `sum(abs(${column}))`]),
  'typeof(sum(rating))',
  ...TEXTS.map((column) => `typeof(min(${column}))`),
].join(', ');

/** Whether the values of ENTRY_JSON_CHECKS, in its order, allow ENTRY_JSON_SQL's lines. */
export function plainEntryJson(checks: readonly unknown[]): boolean {
  if (checks[0] !== 0) return false;
  for (let i = 0; i < NUMBERS.length; i++) {
    const type = checks[1 + 2 * i];
    const magnitudes = checks[2 + 2 * i];
    if (type === 'null') continue;
    if (type !== 'integer' || typeof magnitudes !== 'number' || magnitudes >= EXACT) return false;
  }
  const rating = checks[1 + 2 * NUMBERS.length];
  if (rating !== 'integer' && rating !== 'null') return false;
  return checks.slice(2 + 2 * NUMBERS.length).every((type) => type === 'text' || type === 'null');
}
