import type Database from 'better-sqlite3';
import { namedAsImage } from '../digest/image-kind.js';
import { selectEntryColumns } from './bulk-read.js';
import type { EntryStat } from './scan-plan.js';

type Unusual = Pick<EntryStat, 'keyed' | 'status' | 'reason' | 'failure_code'>;

/**
 * The stat fields of every entry, by path, for a rescan to settle unchanged files without a query
 * each. Kept in columns rather than an object per entry: 100k long-lived objects cost the garbage
 * collector more than the lookups themselves. The few entries without a key, failed or with a reason
 * keep those fields (and a failure's code) aside; `get` builds a short-lived EntryStat per call.
 */
export class StatIndex {
  private readonly rowOf = new Map<string, number>();
  private readonly sizes: number[] = [];
  private readonly mtimes: number[] = [];
  private readonly etags: (string | null)[] = [];
  private readonly unusual = new Map<number, Unusual>();
  /** Rows whose path `see` was called for. */
  private readonly seen: Uint8Array;

  constructor(db: Database.Database) {
    for (const [paths, sizes, mtimes, etags] of selectEntryColumns(db, [
      'path',
      'size',
      'mtime_ms',
      'etag',
    ])) {
      const first = this.sizes.length;
      const chunkPaths = paths as string[];
      for (let i = 0; i < chunkPaths.length; i++) this.rowOf.set(chunkPaths[i]!, first + i);
      this.sizes.push(...(sizes as number[]));
      this.mtimes.push(...(mtimes as number[]));
      this.etags.push(...(etags as (string | null)[]));
    }
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
    for (const [path, keyed, status, reason, code] of unusual.iterate() as Iterable<
      [string, 0 | 1, string, string | null, EntryStat['failure_code']]
    >) {
      const row = this.rowOf.get(path);
      if (row !== undefined)
        this.unusual.set(row, { keyed: keyed === 1, status, reason, failure_code: code });
    }
    this.seen = new Uint8Array(this.sizes.length);
  }

  /** The stat fields of `path`, which is marked as found. */
  see(path: string): EntryStat | undefined {
    const row = this.rowOf.get(path);
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
    for (const [path, row] of this.rowOf) if (this.seen[row] === 0) yield path;
  }
}

const PLAIN: Unusual = { keyed: true, status: 'ok', reason: null, failure_code: null };
