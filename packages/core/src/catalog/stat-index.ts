import type Database from 'better-sqlite3';
import { namedAsImage } from '../digest/image-kind.js';
import { hashOf } from '../key-numbers.js';
import { readOnceWithScanCache, selectEntryColumns } from './bulk-read.js';
import type { EntryStat } from './scan-plan.js';

type Unusual = Pick<EntryStat, 'keyed' | 'status' | 'reason' | 'failure_code'>;

/**
 * The stat fields of every entry, by path, for a rescan to settle unchanged files without a query
 * each. Kept in columns rather than an object per entry: 100k long-lived objects cost the garbage
 * collector more than the lookups themselves. The paths stay in the one text SQLite joins them into,
 * found through a hash table of row numbers in typed arrays: split into 100k strings, they were a
 * quarter of the index's cost to make and, living through the whole walk, most of its garbage
 * collection. The few entries without a key, failed or with a reason keep those fields (and a
 * failure's code) aside; `see` builds a short-lived EntryStat per call.
 *
 * The rows come in path order (the table's key), and a walk asks for a folder's files in the order
 * its listing sorts them: when the paths strictly ascend, rows are found by a cursor that follows
 * the last one found, and by halving where it does not (a new folder, a file the catalog lacks),
 * with no hash table: hashing every path twice (the table, then each lookup) cost the calling
 * thread 20-40 ms more on an unchanged rescan of 100k files. Paths that do not ascend in
 * JavaScript's order (astral characters, which SQLite orders by their UTF-8 bytes; a damaged
 * snapshot) get the hash table.
 */
export class StatIndex {
  /** Every row's path, one after another (joined by NUL where SQLite joined them). */
  private text = '';
  /** Where row `r`'s path starts in `text`, and its length. */
  private starts = new Int32Array(0);
  private lengths = new Int32Array(0);
  /** The hash of each row's path, compared first so that a probe rarely compares text. */
  private hashes = new Int32Array(0);
  /** Whether the rows' paths strictly ascend: then they are found by `cursor` and halving. */
  private sorted = false;
  /** The row after the last one found: where the next path of a walk's folder usually is. */
  private cursor = 0;
  /** Lookups, and those the cursor missed: a source listing in no order gets the hash table. */
  private lookups = 0;
  private misses = 0;
  /** Open addressing, at most half full: each slot holds a row plus one, 0 when empty. */
  private slots = new Int32Array(16);
  private mask = 15;
  private sizes: number[] = [];
  private mtimes: number[] = [];
  private etags: (string | null)[] = [];
  private readonly unusual = new Map<number, Unusual>();
  /** Rows whose path `see` was called for; a row that lost its path to a later duplicate counts as seen. */
  private seen = new Uint8Array(0);

  /**
   * `etags: false` for a source whose entries carry none (`SourceCapabilities.etags`): the rows' tags
   * are then never compared, and reading them was a sixth of the index's SQL.
   */
  constructor(db: Database.Database, { etags = true }: { etags?: boolean } = {}) {
    this.readColumns(db, etags);
    // A catalog made before a file named as an image had to be one recorded such a file as a plain
    // `other`: it counts as unkeyed, so its head is read once more and it is reported.
    const namedImage = `(kind = 'other' AND status = 'ok' AND (${Object.keys(namedAsImage)
      .map((extension) => `path LIKE '%.${extension}'`)
      .join(' OR ')}))`;
    const unusual = db
      .prepare(
        `SELECT path, fast_photo_key != '' AND NOT ${namedImage}, status, reason, failure_code FROM entries
         WHERE fast_photo_key = '' OR status != 'ok' OR reason IS NOT NULL OR ${namedImage}`,
      )
      .raw(true);
    // A whole-table read too, though it keeps few rows: with the default cache it cost five times more.
    const rows = readOnceWithScanCache(db, () => unusual.all()) as [
      string,
      0 | 1,
      string,
      string | null,
      EntryStat['failure_code'],
    ][];
    for (const [path, keyed, status, reason, code] of rows) {
      const row = this.rowOf(path);
      if (row >= 0) this.unusual.set(row, { keyed: keyed === 1, status, reason, failure_code: code });
    }
    this.cursor = 0;
  }

  /**
   * Reads every row's path and stat fields into the columns. The paths come as one text: SQLite
   * joins them faster than it makes them a JSON array, and the text of the other columns is a
   * fraction of it. A path holding the separator (no listing gives one; a damaged snapshot might)
   * would shift the rows, so then they are read in chunks instead.
   */
  private readColumns(db: Database.Database, withEtags: boolean): void {
    const [joined, sizes, mtimes, count, etags] = readOnceWithScanCache(
      db,
      () =>
        db
          .prepare(
            `SELECT group_concat(path, char(0)), json_group_array(size), json_group_array(mtime_ms),
           count(*)${withEtags ? ', json_group_array(etag)' : ''} FROM entries`,
          )
          .raw(true)
          .get() as [string | null, string, string, number, string | undefined],
    );
    if (joined !== null && this.indexJoined(joined, count)) {
      this.sizes = JSON.parse(sizes) as number[];
      this.mtimes = JSON.parse(mtimes) as number[];
      this.etags = etags === undefined ? [] : (JSON.parse(etags) as (string | null)[]);
      return;
    }
    const paths: string[] = [];
    for (const [chunkPaths, chunkSizes, chunkMtimes, chunkEtags] of selectEntryColumns(db, [
      'path',
      'size',
      'mtime_ms',
      'etag',
    ])) {
      paths.push(...(chunkPaths as string[]));
      this.sizes.push(...(chunkSizes as number[]));
      this.mtimes.push(...(chunkMtimes as number[]));
      this.etags.push(...(chunkEtags as (string | null)[]));
    }
    this.allocate(paths.length);
    this.text = paths.join('');
    let start = 0;
    for (let row = 0; row < paths.length; row++) {
      const length = paths[row]!.length;
      this.starts[row] = start;
      this.lengths[row] = length;
      this.hashes[row] = hashOf(this.text, start, start + length);
      this.insert(row);
      start += length;
    }
  }

  /**
   * Indexes the `count` paths of `joined`, separated by NUL, hashing each in place. False, having
   * indexed nothing, when the text holds another number of paths.
   */
  private indexJoined(joined: string, count: number): boolean {
    let separators = 0;
    for (let at = joined.indexOf('\0'); at >= 0; at = joined.indexOf('\0', at + 1)) separators++;
    if (separators !== count - 1) return false;
    this.allocate(count, false);
    this.text = joined;
    let start = 0;
    for (let row = 0; row < count; row++) {
      let end = joined.indexOf('\0', start);
      if (end < 0) end = joined.length;
      this.starts[row] = start;
      this.lengths[row] = end - start;
      start = end + 1;
    }
    this.sorted = this.ascending();
    if (!this.sorted) this.hashAll();
    return true;
  }

  /** Whether every row's path is before the next one's, in JavaScript's order of strings. */
  private ascending(): boolean {
    for (let row = 1; row < this.starts.length; row++)
      if (this.compareAt(this.starts[row - 1]!, this.lengths[row - 1]!, this.text, row) >= 0) return false;
    return true;
  }

  /** Puts every row in the hash table. */
  private hashAll(): void {
    const count = this.starts.length;
    let size = 16;
    while (size < count * 2) size *= 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    this.hashes = new Int32Array(count);
    for (let row = 0; row < count; row++) {
      const start = this.starts[row]!;
      this.hashes[row] = hashOf(this.text, start, start + this.lengths[row]!);
      this.insert(row);
    }
  }

  /**
   * How `text` from `start` (of `length`) compares with row `row`'s path: negative before it, 0
   * equal, positive after it, in JavaScript's order of strings (by UTF-16 code units).
   */
  private compareAt(start: number, length: number, text: string, row: number): number {
    const at = this.starts[row]!;
    const rowLength = this.lengths[row]!;
    const shorter = Math.min(length, rowLength);
    const own = this.text;
    for (let i = 0; i < shorter; i++) {
      const difference = text.charCodeAt(start + i) - own.charCodeAt(at + i);
      if (difference !== 0) return difference;
    }
    return length - rowLength;
  }

  private allocate(count: number, hashed = true): void {
    this.starts = new Int32Array(count);
    this.lengths = new Int32Array(count);
    this.seen = new Uint8Array(count);
    if (!hashed) return;
    let size = 16;
    while (size < count * 2) size *= 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    this.hashes = new Int32Array(count);
  }

  /** Puts `row` in the table, in the place of an earlier row with the same path. */
  private insert(row: number): void {
    const hash = this.hashes[row]!;
    const start = this.starts[row]!;
    const length = this.lengths[row]!;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const held = this.slots[slot]! - 1;
      if (
        held < 0 ||
        (this.hashes[held] === hash && this.lengths[held] === length && this.samePath(held, start, length))
      ) {
        // A path listed twice (a snapshot without its key) keeps its last row: the earlier one is
        // never found, and must not be reported unseen.
        if (held >= 0) this.seen[held] = 1;
        this.slots[slot] = row + 1;
        return;
      }
    }
  }

  /** Whether row `row`'s path is the text at `start` (of `length`) of the joined paths. */
  private samePath(row: number, start: number, length: number): boolean {
    const at = this.starts[row]!;
    for (let i = 0; i < length; i++)
      if (this.text.charCodeAt(at + i) !== this.text.charCodeAt(start + i)) return false;
    return true;
  }

  /** The stat fields of `path`, which is marked as found. */
  see(path: string): EntryStat | undefined {
    const row = this.rowOf(path);
    if (row < 0) return undefined;
    this.seen[row] = 1;
    const { keyed, status, reason, failure_code } = (this.unusual.size > 0 && this.unusual.get(row)) || PLAIN;
    return {
      size: this.sizes[row]!,
      mtime_ms: this.mtimes[row]!,
      etag: this.etags[row] ?? null,
      keyed,
      status,
      reason,
      failure_code,
    };
  }

  /** The paths `see` was not called for. */
  *unseenPaths(): Generator<string> {
    for (let row = 0; row < this.seen.length; row++) if (this.seen[row] === 0) yield this.pathOf(row);
  }

  private pathOf(row: number): string {
    const start = this.starts[row]!;
    return this.text.slice(start, start + this.lengths[row]!);
  }

  /** The row of `path`, or -1. */
  private rowOf(path: string): number {
    if (this.sorted) {
      this.lookups++;
      // Halving costs more than a hash lookup: paths that mostly miss the cursor (a source that
      // lists in no particular order) get the hash table after all.
      if (this.misses < MISSES_TOLERATED || this.misses * 4 < this.lookups) return this.sortedRowOf(path);
      this.sorted = false;
      this.hashAll();
    }
    const hash = hashOf(path, 0, path.length);
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const held = this.slots[slot]! - 1;
      if (held < 0) return -1;
      if (
        this.hashes[held] === hash &&
        this.lengths[held] === path.length &&
        this.text.startsWith(path, this.starts[held])
      )
        return held;
    }
  }
  /** The row of `path` among strictly ascending rows: at the cursor, or else by halving; or -1. */
  private sortedRowOf(path: string): number {
    const count = this.starts.length;
    const length = path.length;
    let row = this.cursor;
    if (row >= count || this.compareAt(0, length, path, row) !== 0) {
      this.misses++;
      let low = 0;
      let high = count;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (this.compareAt(0, length, path, middle) > 0) low = middle + 1;
        else high = middle;
      }
      row = low;
      if (row >= count || this.compareAt(0, length, path, row) !== 0) {
        // Not in the catalog: the walk's next path most likely follows it.
        this.cursor = row;
        return -1;
      }
    }
    this.cursor = row + 1;
    return row;
  }
}

/** Cursor misses allowed before their share decides (see rowOf): one per folder is usual. */
const MISSES_TOLERATED = 1024;

const PLAIN: Unusual = { keyed: true, status: 'ok', reason: null, failure_code: null };
