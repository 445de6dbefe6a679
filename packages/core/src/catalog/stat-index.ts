import type Database from 'better-sqlite3';
import { namedAsImage } from '../digest/image-kind.js';
import { readOnceWithScanCache, selectEntryColumns } from './bulk-read.js';
import type { EntryStat } from './scan-plan.js';

type Unusual = Pick<EntryStat, 'keyed' | 'status' | 'reason' | 'failure_code'>;

/**
 * The stat fields of every entry, by path, for a rescan to settle unchanged files without a query
 * each. Kept in columns rather than an object per entry: 100k long-lived objects cost the garbage
 * collector more than the lookups themselves. The paths stay in the one text SQLite joins them into,
 * found by their place in it: split into 100k strings, they were a quarter of the index's cost to
 * make and, living through the whole walk, most of its garbage collection. The few entries without a
 * key, failed or with a reason keep those fields (and a failure's code) aside; `see` builds a
 * short-lived EntryStat per call.
 *
 * The rows come in path order (the table's key, in SQLite's order: by UTF-8 bytes, which is the
 * order of code points that `compareAt` keeps), and a walk asks for a folder's files in the order its
 * listing sorts them: a row is found by a cursor that follows the last one found, and by halving
 * where it is not there (a new folder, a file the catalog lacks, a source listing in no order). No
 * hash table: hashing every path twice (the table, then each lookup) costs more than the cursor
 * (bench/README.md, session 22). Rows that do not ascend (a damaged snapshot, a table without its
 * key) are put in order once, a path listed twice keeping its last row.
 */
export class StatIndex {
  /** Every row's path, one after another (joined by NUL where SQLite joined them). */
  private text = '';
  /** Where row `r`'s path starts in `text`, and its length; rows strictly ascend by path. */
  private starts = new Int32Array(0);
  private lengths = new Int32Array(0);
  /** The row after the last one found: where the next path of a walk's folder usually is. */
  private cursor = 0;
  private sizes: number[] = [];
  private mtimes: number[] = [];
  private etags: (string | null)[] = [];
  private readonly unusual = new Map<number, Unusual>();
  /** Rows whose path `see` was called for. */
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
      this.inOrder();
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
      start += length;
    }
    this.inOrder();
  }

  /**
   * Indexes the `count` paths of `joined`, separated by NUL. False, having indexed nothing, when the
   * text holds another number of paths.
   */
  private indexJoined(joined: string, count: number): boolean {
    let separators = 0;
    for (let at = joined.indexOf('\0'); at >= 0; at = joined.indexOf('\0', at + 1)) separators++;
    if (separators !== count - 1) return false;
    this.allocate(count);
    this.text = joined;
    let start = 0;
    for (let row = 0; row < count; row++) {
      let end = joined.indexOf('\0', start);
      if (end < 0) end = joined.length;
      this.starts[row] = start;
      this.lengths[row] = end - start;
      start = end + 1;
    }
    return true;
  }

  /** How row `a`'s path compares with row `b`'s (see compareAt). */
  private compareRows(a: number, b: number): number {
    return this.compareAt(this.starts[a]!, this.lengths[a]!, this.text, b);
  }

  /**
   * Puts the rows in strictly ascending order of their paths when they are not already (SQLite's
   * rows of a table keyed by path are): a path listed twice keeps its last row, the earlier ones
   * dropped, never to be found nor reported unseen.
   */
  private inOrder(): void {
    const count = this.starts.length;
    let row = 1;
    while (row < count && this.compareRows(row - 1, row) < 0) row++;
    if (row >= count) return;
    const order = Array.from({ length: count }, (_, r) => r).sort((a, b) => this.compareRows(a, b) || a - b);
    const kept = order.filter((r, i) => i + 1 === count || this.compareRows(r, order[i + 1]!) !== 0);
    const { starts, lengths, sizes, mtimes, etags } = this;
    this.allocate(kept.length);
    kept.forEach((from, to) => {
      this.starts[to] = starts[from]!;
      this.lengths[to] = lengths[from]!;
    });
    this.sizes = kept.map((r) => sizes[r]!);
    this.mtimes = kept.map((r) => mtimes[r]!);
    this.etags = etags.length === 0 ? [] : kept.map((r) => etags[r] ?? null);
  }

  /**
   * How `text` from `start` (of `length`) compares with row `row`'s path: negative before it, 0
   * equal, positive after it, by code points: SQLite's order of the paths (by their UTF-8 bytes),
   * which by UTF-16 code units alone differs for characters beyond U+FFFF (surrogates, D800-DFFF,
   * come before E000-FFFF as code units but after them as code points).
   */
  private compareAt(start: number, length: number, text: string, row: number): number {
    const at = this.starts[row]!;
    const rowLength = this.lengths[row]!;
    const shorter = Math.min(length, rowLength);
    const own = this.text;
    for (let i = 0; i < shorter; i++) {
      const unit = text.charCodeAt(start + i);
      const rowUnit = own.charCodeAt(at + i);
      if (unit !== rowUnit) return codePointOrder(unit) - codePointOrder(rowUnit);
    }
    return length - rowLength;
  }

  private allocate(count: number): void {
    this.starts = new Int32Array(count);
    this.lengths = new Int32Array(count);
    this.seen = new Uint8Array(count);
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

  /** The row of `path`: at the cursor, or else by halving; or -1. */
  private rowOf(path: string): number {
    const count = this.starts.length;
    const length = path.length;
    let row = this.cursor;
    if (row >= count || this.compareAt(0, length, path, row) !== 0) {
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

/**
 * A UTF-16 code unit's place in the order of code points: surrogates (D800-DFFF, the halves of a
 * character beyond U+FFFF) after E000-FFFF, as those characters come after them.
 */
function codePointOrder(unit: number): number {
  return unit < 0xd800 ? unit : unit < 0xe000 ? unit + 0x2000 : unit - 0x800;
}

const PLAIN: Unusual = { keyed: true, status: 'ok', reason: null, failure_code: null };
