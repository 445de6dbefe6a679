import type Database from 'better-sqlite3';
import { namedAsImage } from '../digest/image-kind.js';
import { KeyNumbers } from '../key-numbers.js';
import { readOnceWithScanCache, selectEntryColumns } from './bulk-read.js';
import type { EntryStat } from './scan-plan.js';

type Unusual = Pick<EntryStat, 'keyed' | 'status' | 'reason' | 'failure_code'>;

/**
 * The stat fields of every entry, by path, for a rescan to settle unchanged files without a query
 * each. Kept in columns rather than an object per entry: 100k long-lived objects cost the garbage
 * collector more than the lookups themselves. The few entries without a key, failed or with a reason
 * keep those fields (and a failure's code) aside; `get` builds a short-lived EntryStat per call.
 */
export class StatIndex {
  /** Each path's number, and the row a number stands for (a path listed twice keeps its last row). */
  private readonly paths: KeyNumbers;
  private readonly rowOfNumber: Int32Array;
  private sizes: number[] = [];
  private mtimes: number[] = [];
  private etags: (string | null)[] = [];
  private readonly unusual = new Map<number, Unusual>();
  /** Rows whose path `see` was called for. */
  private readonly seen: Uint8Array;

  constructor(db: Database.Database) {
    const paths = this.readColumns(db);
    this.paths = new KeyNumbers(paths.length);
    this.rowOfNumber = new Int32Array(paths.length);
    for (let row = 0; row < paths.length; row++) this.rowOfNumber[this.paths.add(paths[row]!)] = row;
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
      if (row !== undefined)
        this.unusual.set(row, { keyed: keyed === 1, status, reason, failure_code: code });
    }
    this.seen = new Uint8Array(this.sizes.length);
  }

  /**
   * Reads every row's path and stat fields into the columns, and returns the paths. The paths come
   * as one text, split here: SQLite joins them faster than it makes them a JSON array, and the text
   * of the other columns is a fraction of it. A path holding the separator (no listing gives one; a
   * damaged snapshot might) would shift the columns, so then they are read as JSON arrays instead.
   */
  private readColumns(db: Database.Database): string[] {
    const [joined, sizes, mtimes, etags, count] = readOnceWithScanCache(
      db,
      () =>
        db
          .prepare(
            `SELECT group_concat(path, char(0)), json_group_array(size), json_group_array(mtime_ms),
           json_group_array(etag), count(*) FROM entries`,
          )
          .raw(true)
          .get() as [string | null, string, string, string, number],
    );
    const paths = joined === null ? [] : joined.split('\0');
    if (paths.length === count) {
      this.sizes = JSON.parse(sizes) as number[];
      this.mtimes = JSON.parse(mtimes) as number[];
      this.etags = JSON.parse(etags) as (string | null)[];
      return paths;
    }
    const chunked: string[] = [];
    for (const [chunkPaths, chunkSizes, chunkMtimes, chunkEtags] of selectEntryColumns(db, [
      'path',
      'size',
      'mtime_ms',
      'etag',
    ])) {
      chunked.push(...(chunkPaths as string[]));
      this.sizes.push(...(chunkSizes as number[]));
      this.mtimes.push(...(chunkMtimes as number[]));
      this.etags.push(...(chunkEtags as (string | null)[]));
    }
    return chunked;
  }

  /** The stat fields of `path`, which is marked as found. */
  see(path: string): EntryStat | undefined {
    const row = this.rowOf(path);
    if (row === undefined) return undefined;
    this.seen[row] = 1;
    const { keyed, status, reason, failure_code } = this.unusual.get(row) ?? PLAIN;
    return {
      size: this.sizes[row]!,
      mtime_ms: this.mtimes[row]!,
      etag: this.etags[row]!,
      keyed,
      status,
      reason,
      failure_code,
    };
  }

  /** The paths `see` was not called for. */
  *unseenPaths(): Generator<string> {
    for (let number = 0; number < this.paths.size; number++)
      if (this.seen[this.rowOfNumber[number]!] === 0) yield this.paths.key(number);
  }

  private rowOf(path: string): number | undefined {
    const number = this.paths.find(path);
    return number < 0 ? undefined : this.rowOfNumber[number];
  }
}

const PLAIN: Unusual = { keyed: true, status: 'ok', reason: null, failure_code: null };
