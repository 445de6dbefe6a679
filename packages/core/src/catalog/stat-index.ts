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
  private readonly rows: PathTable;
  private sizes: number[] = [];
  private mtimes: number[] = [];
  private etags: (string | null)[] = [];
  private readonly unusual = new Map<number, Unusual>();
  /** Rows whose path `see` was called for. */
  private readonly seen: Uint8Array;

  constructor(db: Database.Database) {
    const paths = this.readColumns(db);
    this.rows = PathTable.of(paths);
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
      const row = this.rows.rowOf(path);
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
    const [joined, sizes, mtimes, etags, count] = db
      .prepare(
        `SELECT group_concat(path, char(0)), json_group_array(size), json_group_array(mtime_ms),
           json_group_array(etag), count(*) FROM entries`,
      )
      .raw(true)
      .get() as [string | null, string, string, string, number];
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
    const row = this.rows.rowOf(path);
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
    yield* this.rows.pathsUnmarked(this.seen);
  }
}

const PLAIN: Unusual = { keyed: true, status: 'ok', reason: null, failure_code: null };

/** Probes allowed per path, on average, before a table gives way to a Map. */
const MAX_AVERAGE_PROBES = 8;

/**
 * Row numbers by path (a path listed twice keeps its last row), in an open-addressed table of typed
 * arrays: a Map of every path of a large catalog costs a rescan several times more to fill, and
 * about twice as much to ask, as the table does. The hash is seeded per table, so that paths chosen
 * to collide (a snapshot is untrusted input) cannot be written in advance; should the paths probe far
 * anyway, the table gives way to a Map.
 */
export abstract class PathTable {
  /**
   * The table of `paths`, row `i` being `paths[i]`. `maxAverageProbes` is for tests, which make a
   * table give way to a Map.
   */
  static of(paths: readonly string[], maxAverageProbes = MAX_AVERAGE_PROBES): PathTable {
    return OpenTable.fill(paths, maxAverageProbes) ?? new MapTable(paths);
  }

  abstract rowOf(path: string): number | undefined;

  /** The paths whose row is 0 in `marks`: a step per path found unmarked, not per path. */
  abstract pathsUnmarked(marks: Uint8Array): Iterable<string>;
}

class MapTable extends PathTable {
  private readonly map = new Map<string, number>();

  constructor(paths: readonly string[]) {
    super();
    for (let row = 0; row < paths.length; row++) this.map.set(paths[row]!, row);
  }

  rowOf(path: string): number | undefined {
    return this.map.get(path);
  }

  *pathsUnmarked(marks: Uint8Array): Generator<string> {
    for (const [path, row] of this.map) if (marks[row] === 0) yield path;
  }
}

class OpenTable extends PathTable {
  /** A row number per slot, -1 where empty; at most half the slots are used. */
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** Each row's hash, compared before its path. */
  private readonly hashes: Uint32Array;
  /** Rows whose path came again in a later row, which replaced them. */
  private readonly replaced = new Set<number>();

  private constructor(
    private readonly paths: readonly string[],
    private readonly seed: number,
  ) {
    super();
    let size = 16;
    while (size < paths.length * 2) size *= 2;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    this.hashes = new Uint32Array(paths.length);
  }

  /** The table of `paths`, or undefined when they probe too far. */
  static fill(paths: readonly string[], maxAverageProbes: number): OpenTable | undefined {
    const table = new OpenTable(paths, (Math.random() * 0x1_0000_0000) >>> 0);
    let probes = 0;
    const budget = maxAverageProbes * paths.length + 64;
    for (let row = 0; row < paths.length; row++) {
      probes += table.insert(row);
      if (probes > budget) return undefined;
    }
    return table;
  }

  rowOf(path: string): number | undefined {
    const hash = this.hash(path);
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const row = this.slots[slot]!;
      if (row < 0) return undefined;
      if (this.hashes[row] === hash && this.paths[row] === path) return row;
    }
  }

  *pathsUnmarked(marks: Uint8Array): Generator<string> {
    const { paths, replaced } = this;
    for (let row = 0; row < paths.length; row++)
      if (marks[row] === 0 && !replaced.has(row)) yield paths[row]!;
  }

  /** Files row `row` under its path, replacing an earlier row of the same path; returns the probes. */
  private insert(row: number): number {
    const path = this.paths[row]!;
    const hash = this.hash(path);
    this.hashes[row] = hash;
    let probes = 1;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask, probes++) {
      const held = this.slots[slot]!;
      if (held < 0 || (this.hashes[held] === hash && this.paths[held] === path)) {
        if (held >= 0) this.replaced.add(held);
        this.slots[slot] = row;
        return probes;
      }
    }
  }

  /** FNV-1a over the path's UTF-16 code units, from the table's seed. */
  private hash(path: string): number {
    let hash = this.seed ^ 0x811c9dc5;
    for (let i = 0; i < path.length; i++) hash = Math.imul(hash ^ path.charCodeAt(i), 0x01000193);
    return hash >>> 0;
  }
}
