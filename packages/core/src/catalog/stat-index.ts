import type Database from 'better-sqlite3';
import { selectEntryArrays } from './bulk-read.js';
import type { EntryStat } from './scan-plan.js';

type StatRow = [string, number, number, string | null, 0 | 1, string, string | null];

/**
 * The stat fields of every entry, by path, for a rescan to settle unchanged files without a query
 * each. Kept in columns rather than an object per entry: 100k long-lived objects cost the garbage
 * collector more than the lookups themselves. Entries with an ETag, a failure or a reason (few) keep
 * those fields aside; `get` builds a short-lived EntryStat per call.
 */
export class StatIndex {
  private readonly rowOf = new Map<string, number>();
  private readonly sizes: number[] = [];
  private readonly mtimes: number[] = [];
  private readonly keyed: boolean[] = [];
  private readonly unusual = new Map<number, Pick<EntryStat, 'etag' | 'status' | 'reason'>>();

  constructor(db: Database.Database) {
    const columns = ['path', 'size', 'mtime_ms', 'etag', "fast_photo_key != ''", 'status', 'reason'];
    for (const rows of selectEntryArrays(db, columns, { sql: [], params: [] })) {
      for (const [path, size, mtime, etag, keyed, status, reason] of rows as StatRow[]) {
        const row = this.sizes.length;
        this.rowOf.set(path, row);
        this.sizes.push(size);
        this.mtimes.push(mtime);
        this.keyed.push(keyed === 1);
        if (etag !== null || status !== 'ok' || reason !== null)
          this.unusual.set(row, { etag, status, reason });
      }
    }
  }

  get(path: string): EntryStat | undefined {
    const row = this.rowOf.get(path);
    if (row === undefined) return undefined;
    const { etag, status, reason } = this.unusual.get(row) ?? PLAIN;
    return {
      size: this.sizes[row]!,
      mtime_ms: this.mtimes[row]!,
      etag,
      keyed: this.keyed[row]!,
      status,
      reason,
    };
  }

  paths(): Iterable<string> {
    return this.rowOf.keys();
  }
}

const PLAIN = { etag: null, status: 'ok', reason: null };
