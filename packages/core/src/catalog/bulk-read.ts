import type Database from 'better-sqlite3';

/**
 * Rows per JSON text (about 170 bytes a row). Small chunks die young: in a fresh process listing
 * 100k entries took 200 ms in chunks of 5,000 and 210-300 ms in chunks of 25,000 or more.
 */
const CHUNK_ROWS = 5_000;

/**
 * Rows per chunk of the stored listing (see writeListing): each chunk's text (about 185 bytes a row)
 * stays under 100 KB, a size V8 makes, with the arrays JSON.parse makes of it, in its young
 * generation, whose pages are used again at once. A larger text, and what is parsed from it, takes
 * fresh pages of the old generation, which a process reloading a catalog pays for page by page.
 */
export const LISTING_CHUNK_ROWS = 500;

/**
 * Pages of SQLite's cache while a whole table is read once: a few, since no page is read twice. The
 * default cache (16 MB in better-sqlite3) is allocated as it fills, and filling it cost a fresh
 * process more than the reading itself (100k entries printed in 370 ms of CPU against 440 ms).
 */
const SCAN_CACHE_PAGES = 64;

/** Gives `db` a small page cache for a whole-table read; returns what gives it its own size back. */
function smallCache(db: Database.Database): () => void {
  const size = db.pragma('cache_size', { simple: true }) as number;
  db.pragma(`cache_size = ${SCAN_CACHE_PAGES}`);
  return () => db.pragma(`cache_size = ${size}`);
}

/**
 * Runs `read` (a generator) with a small page cache on `db`, and gives the connection its own size
 * back when the generator ends, however it ends.
 */
function* withScanCache<T, R>(db: Database.Database, read: Generator<T, R>): Generator<T, R> {
  const restore = smallCache(db);
  try {
    return yield* read;
  } finally {
    restore();
  }
}

/** Runs `read`, which reads a whole table once, with a small page cache on `db` (see withScanCache). */
export function readOnceWithScanCache<T>(db: Database.Database, read: () => T): T {
  const restore = smallCache(db);
  try {
    return read();
  } finally {
    restore();
  }
}

type Where = { sql: string[]; params: (string | number)[] };

/**
 * Whole-table reads go through SQLite's JSON functions: better-sqlite3 builds each row object one
 * property at a time (about 2 µs a row for fourteen columns), while V8 parses one JSON text per
 * chunk in less than half that. Chunks are paged by path, so memory stays bounded.
 *
 * Each chunk is a range of the primary key, `after < path <= end`, whose `end` is found first by
 * stepping the key. A `LIMIT` subquery instead copies every column of every row through a
 * co-routine: 100k entries took 175-200 ms to list that way, against 155-173 ms by range.
 */
function* jsonTexts(
  db: Database.Database,
  aggregate: string,
  where: Where,
  page: { after?: string; limit?: number },
  chunkRows = CHUNK_ROWS,
): Generator<[json: string, rows: number]> {
  const filtered = (...terms: string[]) => [...where.sql, ...terms].join(' AND ');
  const chunkEnd = db
    .prepare(`SELECT path FROM entries WHERE ${filtered('path > ?')} ORDER BY path LIMIT 1 OFFSET ?`)
    .pluck();
  const chunk = db
    .prepare(`SELECT ${aggregate}, count(*) FROM entries WHERE ${filtered('path > ?', 'path <= ?')}`)
    .raw(true);
  const lastChunk = db
    .prepare(`SELECT ${aggregate}, count(*) FROM entries WHERE ${filtered('path > ?')}`)
    .raw(true);
  let after = page.after ?? '';
  let left = page.limit ?? Number.POSITIVE_INFINITY;
  while (left > 0) {
    const size = Math.min(chunkRows, left);
    const end = chunkEnd.get(...where.params, after, size - 1) as string | undefined;
    const [json, count] = (
      end === undefined ? lastChunk.get(...where.params, after) : chunk.get(...where.params, after, end)
    ) as [string, number];
    if (count > 0) yield [json, count];
    // Fewer than `size` rows were left: the last chunk held them all.
    if (end === undefined) return;
    after = end;
    left -= count;
  }
}

function* jsonChunks(
  db: Database.Database,
  aggregate: string,
  where: Where,
  page: { after?: string; limit?: number },
): Generator<unknown> {
  for (const [json] of jsonTexts(db, aggregate, where, page)) yield JSON.parse(json);
}

/**
 * A chunk of rows as `selectLines` gives it: their lines, each ending in a newline; or, where SQLite's
 * text could not be trusted to be those lines, the range to read the general way: the `count` rows
 * after `after`.
 */
export type LineChunk = { lines: string; count: number } | { lines: undefined; after: string; count: number };

/**
 * Rows per chunk of lines: small enough that a chunk's text stays in V8's young generation and the
 * buffers SQLite's `group_concat` grows for it stay under glibc's trim threshold, so their memory is
 * used again by the next chunk rather than given back to the system and faulted in anew (figures in
 * bench/README.md, session 23).
 */
export const LINE_CHUNK_ROWS = 200;

/** What a failed chunk statement means: a value SQLite cannot print (a BLOB in JSON), or a sum past 64 bits. */
const UNPRINTABLE_CODES = new Set(['SQLITE_ERROR', 'SQLITE_TOOBIG']);

/**
 * The rows `where` selects in path order, a chunk at a time, as lines of text that SQLite makes from
 * each row by `line` (a NUL in place of a line it cannot make); `checks` are aggregates over a chunk's rows, and `plain(values)` says from their
 * values whether `line` made the right text for every one of them. A chunk's text is one string,
 * handed on as it is: no string, object or array per row for V8 to build and collect, which is most
 * of what listing 100k entries otherwise costs. A chunk whose checks fail, whose statement fails, or
 * whose text holds a NUL or U+FFFD (maybe text that is not UTF-8, which a value read alone would
 * decode differently at its ends) comes back as a range for the caller to read the general way.
 */
export function selectLines(
  db: Database.Database,
  line: string,
  checks: string,
  plain: (values: readonly unknown[]) => boolean,
  where: Where,
): Generator<LineChunk> {
  return withScanCache(db, lineChunks(db, line, checks, plain, where));
}

function* lineChunks(
  db: Database.Database,
  line: string,
  checks: string,
  plain: (values: readonly unknown[]) => boolean,
  where: Where,
): Generator<LineChunk> {
  const filtered = (...terms: string[]) => [...where.sql, ...terms].join(' AND ');
  const chunkEnd = db
    .prepare(`SELECT path FROM entries WHERE ${filtered('path > ?')} ORDER BY path LIMIT 1 OFFSET ?`)
    .pluck();
  // The aggregate sees the rows in the order of the range scan, which is path order (as in jsonTexts).
  const select = (range: string) =>
    db
      .prepare(
        `SELECT count(*), group_concat(${line}, char(10)) || char(10), ${checks} FROM entries WHERE ${range}`,
      )
      .raw(true);
  const count = (range: string) => db.prepare(`SELECT count(*) FROM entries WHERE ${range}`).pluck();
  const chunk = select(filtered('path > ?', 'path <= ?'));
  const lastChunk = select(filtered('path > ?'));
  const chunkCount = count(filtered('path > ?', 'path <= ?'));
  const lastCount = count(filtered('path > ?'));
  let after = '';
  for (;;) {
    const end = chunkEnd.get(...where.params, after, LINE_CHUNK_ROWS - 1) as string | undefined;
    const bounds = end === undefined ? [...where.params, after] : [...where.params, after, end];
    let row: unknown[] | undefined;
    try {
      row = (end === undefined ? lastChunk : chunk).get(...bounds) as unknown[];
    } catch (error) {
      if (!UNPRINTABLE_CODES.has((error as { code?: unknown }).code as string)) throw error;
    }
    const lines = row?.[1];
    if (
      row &&
      typeof lines === 'string' &&
      plain(row.slice(2)) &&
      !lines.includes('\u0000') &&
      !lines.includes('\ufffd')
    ) {
      if ((row[0] as number) > 0) yield { lines, count: row[0] as number };
    } else {
      const rows = (end === undefined ? lastCount : chunkCount).get(...bounds) as number;
      if (rows > 0) yield { lines: undefined, after, count: rows };
    }
    // Fewer than LINE_CHUNK_ROWS rows were left: the last chunk held them all.
    if (end === undefined) return;
    after = end;
  }
}

const rowArrays = (columns: readonly string[]) => `json_group_array(json_array(${columns.join(', ')}))`;
const columnArrays = (columns: readonly string[]) =>
  `json_array(${columns.map((column) => `json_group_array(${column})`).join(', ')})`;

/**
 * Reads `entries` rows as arrays of `columns`, in path order, a chunk of rows at a time; `columns`
 * must start with `path`.
 */
export function* selectEntryArrays(
  db: Database.Database,
  columns: readonly string[],
  where: Where,
  page: { after?: string; limit?: number } = {},
): Generator<unknown[][]> {
  for (const chunk of jsonChunks(db, rowArrays(columns), where, page)) {
    const rows = chunk as unknown[][];
    // The aggregate sees the subquery's rows in path order; should a future SQLite feed them in
    // another order, sort rather than return a misordered list.
    for (let i = 1; i < rows.length; i++) {
      if ((rows[i - 1]![0] as string) > (rows[i]![0] as string)) {
        rows.sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1));
        break;
      }
    }
    yield rows;
  }
}

/**
 * Reads `columns` of every `entries` row as one array per column, a chunk of rows at a time, in no
 * particular order within a chunk. For a few columns of every row this is about half the cost of
 * `selectEntryArrays`: no array per row for V8 to build and collect (the stat index of 100k entries:
 * 50 ms against 100 ms).
 */
export function* selectEntryColumns(
  db: Database.Database,
  columns: readonly string[],
): Generator<unknown[][]> {
  for (const chunk of jsonChunks(db, columnArrays(columns), { sql: [], params: [] }, {}))
    yield chunk as unknown[][];
}

/**
 * Fills the `listing` table with every `entries` row, in chunks of rows in path order, each stored as
 * one JSON array per column (`columns`, which must start with `path`). Column arrays parse faster
 * than an array per row: fewer, longer arrays for V8 to build and collect (100k entries parsed and
 * shaped in 75 ms against 86 ms). Run just before a snapshot is serialised: the text is a pure
 * function of `entries`, so equal catalogs still give equal bytes.
 */
export function writeListing(db: Database.Database, columns: readonly string[]): void {
  const insert = db.prepare('INSERT INTO listing (chunk, rows, json) VALUES (?, ?, ?)');
  db.transaction(() => {
    db.exec('DELETE FROM listing');
    let chunk = 0;
    // A range of the primary key is read in key order, so the columns come in path order; should a
    // future SQLite feed them otherwise, readListing rejects the listing and nothing worse happens.
    const texts = jsonTexts(db, columnArrays(columns), { sql: [], params: [] }, {}, LISTING_CHUNK_ROWS);
    for (const [json, rows] of texts) insert.run(chunk++, rows, json);
  })();
}

/**
 * Every `entries` row, in path order, read from the `listing` table a chunk at a time: `fromColumns(chunk, i)`
 * makes row `i` of a chunk of column arrays (in the order `writeListing` was given `columns`). It comes
 * from a snapshot, so it is checked like any untrusted input: the chunks' row counts must add up to the
 * number of entries, each chunk must hold one array per column, each as long as the row count it claims,
 * and paths must be text and ascend. Nothing is yielded when the table is absent or its counts are
 * wrong; the generator stops at the first chunk that fails and returns false, so that a caller that
 * streams what it was given can read the rest from `entries`, after the last path yielded. Returns
 * true when every row came from the listing.
 */
export function* listingChunks<T>(
  db: Database.Database,
  columns: readonly string[],
  fromColumns: (chunk: readonly unknown[][], row: number) => T,
): Generator<T[], boolean> {
  const present = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'listing'`).get();
  if (!present) return false;
  // Checked first, since rows already handed on cannot be taken back: per chunk, the lengths must then
  // match the counts, so a listing read to its end holds exactly as many rows as `entries`.
  const { chunks, claimed, typed } = db
    .prepare(
      `SELECT count(*) AS chunks, total(rows) AS claimed, sum(typeof(rows) = 'integer') AS typed FROM listing`,
    )
    .get() as { chunks: number; claimed: number; typed: number | null };
  // Counting reads a whole index once: through the connection's own cache it would fill that cache
  // with fresh memory for nothing. The listing's texts below span overflow pages, which SQLite copies
  // out without caching them.
  const count = readOnceWithScanCache(
    db,
    () => db.prepare('SELECT count(*) FROM entries').pluck().get() as number,
  );
  if (claimed !== count || (typed ?? 0) !== chunks) return false;
  let previousPath = '';
  const stored = db.prepare('SELECT json, rows FROM listing ORDER BY chunk').raw(true);
  for (const [json, rows] of stored.iterate() as IterableIterator<[unknown, unknown]>) {
    if (typeof json !== 'string') return false;
    let chunk: unknown;
    try {
      chunk = JSON.parse(json);
    } catch {
      return false;
    }
    if (!Array.isArray(chunk) || chunk.length !== columns.length) return false;
    if (!chunk.every((column) => Array.isArray(column) && column.length === rows)) return false;
    const paths = chunk[0] as unknown[];
    const entries: T[] = new Array(paths.length);
    for (let row = 0; row < paths.length; row++) {
      const path = paths[row];
      if (typeof path !== 'string' || path <= previousPath) return false;
      previousPath = path;
      entries[row] = fromColumns(chunk, row);
    }
    if (entries.length > 0) yield entries;
  }
  return true;
}

/**
 * Every `entries` row, in path order, read from the `listing` table (see listingChunks); undefined
 * when the table is absent or does not describe `entries`. A listing that fails is not used, and
 * nothing is lost: the caller reads `entries` instead.
 */
export function readListing<T>(
  db: Database.Database,
  columns: readonly string[],
  fromColumns: (chunk: readonly unknown[][], row: number) => T,
): T[] | undefined {
  const entries: T[] = [];
  const chunks = listingChunks(db, columns, fromColumns);
  for (let next = chunks.next(); ; next = chunks.next()) {
    if (next.done) return next.value ? entries : undefined;
    for (const entry of next.value) entries.push(entry);
  }
}
