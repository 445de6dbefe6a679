import { promises as fsp, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { checkSnapshotRows } from './row-check.js';
import { hardenDatabase, upgradeSchema, validateSchema } from './schema.js';

/**
 * Opens snapshot bytes as a working database, after checking them like any untrusted input: in memory,
 * or copied to `workFile` (a disposable file, so a 100k-entry catalog does not live in RAM).
 */
export function openSnapshotBytes(bytes: Buffer, workFile?: string): Database.Database {
  if (workFile) {
    writeFileSync(workFile, bytes);
    return checkedSnapshot(openWorkingFile(workFile), { rows: true });
  }
  return checkedSnapshot(new Database(bytes), { rows: true });
}

/**
 * Checks an opened snapshot: our schema, and with `rows`, every row that names a file (see
 * checkSnapshotRows). Closes it and throws when it fails.
 */
export function checkedSnapshot(db: Database.Database, { rows }: { rows: boolean }): Database.Database {
  try {
    hardenDatabase(db);
    validateSchema(db);
    if (rows) checkSnapshotRows(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** A working database file: disposable, so no journal on disk and no fsync. */
export function openWorkingFile(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = MEMORY');
  db.pragma('synchronous = OFF');
  // A bounded page cache (8 MiB). A rescan settles unchanged files from its stat index, not from
  // row lookups, so a larger cache bought no speed; at 32 MiB it filled while the snapshot was
  // written (VACUUM INTO reads every page) and added to the peak of a first scan.
  db.pragma('cache_size = -8192');
  // The temp tables that stage a scan's results (see Catalog.stageScan) have a page cache of their
  // own, 16 MB by better-sqlite3's default, which filled during the digest of a first scan. They are
  // appended to and read once; spilled pages stay in the OS page cache anyway.
  db.pragma('temp.cache_size = -2048');
  // Private to this process: hold the file lock instead of taking and dropping it (and re-checking
  // the header) around every statement, which made a lookup by path several times slower.
  db.pragma('locking_mode = EXCLUSIVE');
  // Snapshots are written with `VACUUM INTO`, which makes pages of this size whatever the working
  // file's own: 8 KiB pages waste less at their ends than 4 KiB ones with metadata documents of a
  // few hundred bytes each. Set on every working file, so equal content still gives equal bytes.
  db.pragma('page_size = 8192');
  return db;
}

/**
 * Opens a verified snapshot in place, read-only: snapshots are immutable, so the catalog reads
 * from it until its first write copies it to a working file (see WorkingDatabase).
 */
export function openSnapshotFile(file: string): Database.Database {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  // Nobody writes a snapshot: hold the shared lock rather than retaking it for every statement.
  db.pragma('locking_mode = EXCLUSIVE');
  return db;
}

/**
 * The catalog's database: the loaded snapshot itself, read-only, until the first write copies it to
 * a disposable working file. Loading 100k entries then costs no 88 MB copy, and a catalog that is
 * only browsed never makes one.
 */
export class WorkingDatabase {
  /**
   * The connection's `total_changes()` when its `listing` table last described `entries`; undefined
   * when it never did. Any write through the connection moves the count on, so a stale listing is
   * never read, at worst rebuilt when it was still right.
   */
  private listingAtChanges: number | undefined;
  /** Whether the connection's schema is known to be the current one (see `writable`). */
  private upgraded = false;
  /**
   * Photo-md5s whose capture dates an upgrade put in the one form (see upgradeSchema): their cache
   * documents are to follow, each when it is first asked for (see PhotoFiles.settleCachedDates),
   * which takes it from here.
   */
  readonly redated = new Set<string>();

  constructor(
    private current: Database.Database,
    private snapshotFile: string | undefined,
    private work: string,
  ) {
    // A snapshot is written with its listing just rebuilt, and nothing has been written since.
    this.listingAtChanges = snapshotFile !== undefined ? this.totalChanges() : undefined;
  }

  get db(): Database.Database {
    return this.current;
  }

  /**
   * Whether the database is still the snapshot it was opened on, read-only: nothing was written to
   * it, so whatever is read from it belongs to that snapshot's catalog-md5.
   */
  get isSnapshot(): boolean {
    return this.snapshotFile !== undefined;
  }

  /** The disposable working file: the database's once written, and removed when the catalog closes. */
  get workFile(): string {
    return this.work;
  }

  /**
   * Continues on another database: `db` opened read-only on the verified snapshot `snapshotFile`, or
   * opened on the working file `workFile` when `snapshotFile` is undefined. The old database is
   * closed and its working file removed.
   */
  async replace(db: Database.Database, snapshotFile: string | undefined, workFile: string): Promise<void> {
    const old = this.work;
    this.current.close();
    this.current = db;
    this.snapshotFile = snapshotFile;
    this.work = workFile;
    this.listingAtChanges = snapshotFile !== undefined ? this.totalChanges() : undefined;
    this.upgraded = false;
    if (old !== workFile)
      for (const suffix of ['', '-journal']) await fsp.rm(`${old}${suffix}`, { force: true });
  }

  /** Whether the `listing` table (if there is one) still describes `entries`. */
  get listingIsCurrent(): boolean {
    return this.listingAtChanges !== undefined && this.listingAtChanges === this.totalChanges();
  }

  /** Records that the `listing` table was just rebuilt from `entries`. */
  listingRebuilt(): void {
    this.listingAtChanges = this.totalChanges();
  }

  private totalChanges(): number {
    return this.current.prepare('SELECT total_changes()').pluck().get() as number;
  }

  /**
   * The database, writable: copied from the snapshot on first use, and brought to the current schema
   * (see upgradeSchema), so that every writer (a scan, a star, a rebase) writes the current tables.
   * A snapshot of an older readable version (5, 6) is read in place as it stands until then.
   */
  async writable(): Promise<Database.Database> {
    if (this.snapshotFile !== undefined) {
      try {
        await fsp.copyFile(this.snapshotFile, this.work);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        // Another process published since and pruned this snapshot; the open connection still reads
        // the removed file, so the copy is made through it. The publish rebases onto the newer one.
        await this.current.backup(this.work);
      }
      const db = openWorkingFile(this.work);
      hardenDatabase(db);
      const listingWasCurrent = this.listingIsCurrent;
      this.current.close();
      this.current = db;
      this.snapshotFile = undefined;
      // A byte copy of the snapshot, on a connection of its own: its count starts again.
      this.listingAtChanges = listingWasCurrent ? this.totalChanges() : undefined;
    }
    if (!this.upgraded) {
      for (const md5 of upgradeSchema(this.current)) this.redated.add(md5);
      this.upgraded = true;
    }
    return this.current;
  }
}
