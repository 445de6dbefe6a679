import type Database from 'better-sqlite3';
import { type PhotoColumns, readPerceptualHashes, readPhotoColumns } from '../compare/catalog-reads.js';
import { isApplePhotoId, isFastPhotoKey, isMd5 } from '../digest/identity.js';
import { PhotolalaError } from '../source/errors.js';
import { validateRelativePath } from '../source/paths.js';
import { listingChunks, selectEntryArrays, selectLines } from './bulk-read.js';
import type { ListOptions } from './catalog-types.js';
import { ENTRY_JSON_CHECKS, ENTRY_JSON_SQL, type EntryLines, plainEntryJson } from './entry-json.js';
import {
  type CatalogEntry,
  ENTRY_COLUMN_LIST,
  ENTRY_COLUMNS,
  entryFromArray,
  entryFromColumns,
} from './entry-row.js';
import type { WorkingDatabase } from './snapshots.js';

/** An entry with a digest: its photo-md5 names its cache files. */
export type ImageEntry = CatalogEntry & { photoMd5: string };

/** The columns an id can name an entry by (see `EntryQueries.get`). */
type IdColumn = 'photo_md5' | 'fast_photo_key' | 'external_id' | 'path';

/** Reads of the catalog's entries: synchronous, over whatever database the catalog works on now. */
export class EntryQueries {
  /** `get`'s statements, prepared once per database: the working database changes on the first write. */
  private byId: { db: Database.Database; statements: Map<IdColumn, Database.Statement> } | undefined;

  constructor(
    private readonly working: WorkingDatabase,
    private readonly rootUri: string,
  ) {}

  private get db(): Database.Database {
    return this.working.db;
  }

  count(): number {
    return this.db.prepare('SELECT count(*) FROM entries').pluck().get() as number;
  }

  /** Entries in path order, without touching the photos. Use `limit` and `after` to page. */
  list(options: ListOptions = {}): CatalogEntry[] {
    const entries: CatalogEntry[] = [];
    for (const chunk of this.listChunks(options)) for (const entry of chunk) entries.push(entry);
    return entries;
  }

  /**
   * `list`'s entries a few thousand at a time, for a caller that hands each chunk on (prints it)
   * before the next is read: a whole listing never lives in memory at once, which for 100k entries
   * cost more in garbage collection than the reading itself.
   */
  *listChunks(options: ListOptions = {}): Generator<CatalogEntry[]> {
    const whole =
      !options.directory &&
      options.starred === undefined &&
      options.kind === undefined &&
      options.after === undefined &&
      options.limit === undefined;
    let after = options.after;
    if (whole && this.working.listingIsCurrent) {
      // The stored listing (parsing it is faster than reading the rows); should a chunk of it fail its
      // checks, the rest comes from `entries`, after the last path already handed on.
      const chunks = listingChunks(this.db, ENTRY_COLUMN_LIST, entryFromColumns);
      for (let next = chunks.next(); ; next = chunks.next()) {
        if (next.done) {
          if (next.value) return;
          break;
        }
        yield next.value;
        after = next.value[next.value.length - 1]!.path;
      }
    }
    const page = { ...(after !== undefined ? { after } : {}), limit: options.limit };
    for (const rows of selectEntryArrays(this.db, ENTRY_COLUMN_LIST, this.listFilters(options), page))
      yield rows.map(entryFromArray);
  }

  /**
   * `listChunks` for a caller that prints each entry as `JSON.stringify(entryJson(entry))`: where a
   * chunk's lines can be made by SQLite, its lines (`EntryLines`); the entries otherwise, among them
   * every entry in a group, whose line depends on the rest of its group. Read from `entries`, not from
   * the stored listing: no text to parse, no entry to build. For 100k entries this is the difference
   * between printing them and parsing, building and collecting them first.
   */
  *listJsonChunks(
    options: Pick<ListOptions, 'directory' | 'starred' | 'kind'> = {},
  ): Generator<EntryLines | CatalogEntry[]> {
    const where = this.listFilters(options);
    for (const chunk of selectLines(this.db, ENTRY_JSON_SQL, ENTRY_JSON_CHECKS, plainEntryJson, where)) {
      if (chunk.lines !== undefined) {
        yield { lines: chunk.lines, count: chunk.count };
        continue;
      }
      const page = { after: chunk.after, limit: chunk.count };
      for (const rows of selectEntryArrays(this.db, ENTRY_COLUMN_LIST, where, page))
        yield rows.map(entryFromArray);
    }
  }

  /**
   * The entries `list` would give that are in a group (see groups.ts), in path order: what folding a
   * group's files into one line needs to know before a streamed listing reaches them.
   */
  grouped(options: Pick<ListOptions, 'directory' | 'starred' | 'kind'> = {}): CatalogEntry[] {
    const { sql, params } = this.listFilters(options);
    sql.push('group_id IS NOT NULL');
    const rows = this.db
      .prepare(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE ${sql.join(' AND ')} ORDER BY path`)
      .raw(true)
      .all(...params) as unknown[][];
    return rows.map(entryFromArray).filter((entry) => entry.group !== undefined);
  }

  /** Entries in path order as a lazy iterator over the working database. */
  *iterate(options: ListOptions = {}): Generator<CatalogEntry> {
    const { sql, params } = this.listFilters(options);
    if (options.after !== undefined) {
      sql.push('path > ?');
      params.push(options.after);
    }
    const query = this.db
      .prepare(
        `SELECT ${ENTRY_COLUMNS} FROM entries ${sql.length ? `WHERE ${sql.join(' AND ')}` : ''} ORDER BY path${
          options.limit !== undefined ? ' LIMIT ?' : ''
        }`,
      )
      .raw(true);
    const bound = options.limit !== undefined ? [...params, options.limit] : params;
    for (const row of query.iterate(...bound)) yield entryFromArray(row as unknown[]);
  }

  /** The WHERE terms of a listing, except paging. */
  private listFilters(options: ListOptions): { sql: string[]; params: (string | number)[] } {
    const sql: string[] = [];
    const params: (string | number)[] = [];
    if (options.directory !== undefined && options.directory !== '') {
      const dir = validateRelativePath(options.directory.replace(/\/+$/, ''), 'catalog');
      // `/` + 1 is `0`: a range on the primary key instead of a LIKE scan.
      sql.push('path > ? AND path < ?');
      params.push(`${dir}/`, `${dir}0`);
    }
    if (options.starred !== undefined) {
      sql.push('starred = ?');
      params.push(options.starred ? 1 : 0);
    }
    if (options.kind !== undefined) {
      sql.push('kind = ?');
      params.push(options.kind);
    }
    return { sql, params };
  }

  /** Path, photo-md5 and size of every photo, as columns: what comparing catalogs reads (see compare/). */
  photoColumns(): PhotoColumns {
    return readPhotoColumns(this.db);
  }

  /** The perceptual hash of each photo-md5 whose metadata document holds one. */
  perceptualHashes(): Map<string, string> {
    return readPerceptualHashes(this.db);
  }

  /** The entry an id names: a relative path, a fast-photo-key, a photo-md5 or an apple-photo-id. */
  get(id: string): CatalogEntry | undefined {
    let row: unknown[] | undefined;
    if (isMd5(id)) row = this.select('photo_md5', id);
    else if (isFastPhotoKey(id)) row = this.select('fast_photo_key', id);
    else if (isApplePhotoId(id)) row = this.select('external_id', String(id).toUpperCase());
    row ??= this.select('path', id.normalize('NFC').replace(/^\.\//, ''));
    return row ? entryFromArray(row) : undefined;
  }

  private select(column: IdColumn, value: string): unknown[] | undefined {
    const db = this.db;
    if (this.byId?.db !== db) this.byId = { db, statements: new Map() };
    let statement = this.byId.statements.get(column);
    if (!statement) {
      statement = db
        .prepare(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE ${column} = ? ORDER BY path LIMIT 1`)
        .raw(true);
      this.byId.statements.set(column, statement);
    }
    return statement.get(value) as unknown[] | undefined;
  }

  /** The entry an id names; throws `NOT_FOUND` when there is none. */
  require(id: string): CatalogEntry {
    const entry = this.get(id);
    if (!entry) {
      throw new PhotolalaError(
        'NOT_FOUND',
        `no entry ${JSON.stringify(id)} in the catalog of ${this.rootUri}`,
        {
          backend: 'catalog',
          path: id,
        },
      );
    }
    return entry;
  }

  /** The entry an id names, which must have a digest; throws `UNSUPPORTED` saying why not. */
  requireImage(id: string, refusal = 'has no thumbnail'): ImageEntry {
    const entry = this.require(id);
    if (!isMd5(entry.photoMd5)) {
      const why =
        entry.status === 'failed'
          ? `its digest failed: ${entry.reason ?? 'unknown reason'}`
          : 'it is not an image';
      throw new PhotolalaError('UNSUPPORTED', `${entry.path} ${refusal}: ${why}`, {
        backend: 'catalog',
        path: entry.path,
      });
    }
    return entry as ImageEntry;
  }

  /** Failures of a scan plus entries that failed before and are still unchanged, by path. */
  withStoredFailures(fresh: { path: string; reason: string }[]): { path: string; reason: string }[] {
    const byPath = new Map(fresh.map((f) => [f.path, f]));
    const stored = this.db.prepare(`SELECT path, reason FROM entries WHERE status = 'failed'`).all() as {
      path: string;
      reason: string | null;
    }[];
    for (const row of stored)
      if (!byPath.has(row.path)) byPath.set(row.path, { path: row.path, reason: row.reason ?? 'failed' });
    return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}
