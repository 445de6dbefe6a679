import type Database from 'better-sqlite3';

/**
 * Rows per JSON text (about 170 bytes a row). Small chunks die young: in a fresh process listing
 * 100k entries took 200 ms in chunks of 5,000 and 210-300 ms in chunks of 25,000 or more.
 */
const CHUNK_ROWS = 5_000;

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
function* jsonChunks(
  db: Database.Database,
  aggregate: string,
  where: Where,
  page: { after?: string; limit?: number },
): Generator<unknown> {
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
    const size = Math.min(CHUNK_ROWS, left);
    const end = chunkEnd.get(...where.params, after, size - 1) as string | undefined;
    const [json, count] = (
      end === undefined ? lastChunk.get(...where.params, after) : chunk.get(...where.params, after, end)
    ) as [string, number];
    if (count > 0) yield JSON.parse(json);
    // Fewer than `size` rows were left: the last chunk held them all.
    if (end === undefined) return;
    after = end;
    left -= count;
  }
}

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
  for (const chunk of jsonChunks(db, `json_group_array(json_array(${columns.join(', ')}))`, where, page)) {
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
  const aggregate = `json_array(${columns.map((column) => `json_group_array(${column})`).join(', ')})`;
  for (const chunk of jsonChunks(db, aggregate, { sql: [], params: [] }, {})) yield chunk as unknown[][];
}
