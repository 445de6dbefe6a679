import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp, writeFileSync } from 'node:fs';
import nodePath from 'node:path';
import Database from 'better-sqlite3';
import { TEMP_FILE_PREFIX } from '../enumerate-filter.js';
import { describeError, isPhotolalaError } from '../errors.js';
import { md5OfStream } from '../identity.js';
import { makeFolder } from '../make-folder.js';
import { formatPointer, nextPointer, snapshotFileName } from './pointer.js';
import { hardenDatabase, validateSchema } from './schema.js';
import type { MirrorStore, SnapshotBytesListener, SnapshotStore, StoreName } from './snapshot-store.js';
import type { VerifiedSnapshots } from './verified-snapshots.js';

/** Which snapshot a catalog was loaded from. `none`: no pointer existed; `rebuild`: none was usable. */
export type LoadSource = 'root' | 'mirror' | 'older' | 'rebuild' | 'none';

/**
 * A snapshot being read while a catalog opens: the root's copy streamed into the mirror (a download,
 * for a remote root), or the mirror's copy hashed in place when no record vouches for it.
 */
export interface SnapshotReadProgress {
  store: StoreName;
  catalogMd5: string;
  bytes: number;
  /** The file's size, when the store can tell. */
  totalBytes: number | undefined;
}

/** A snapshot being written into a store as it is published (uploaded, for a remote root). */
export interface SnapshotWriteProgress {
  store: StoreName;
  catalogMd5: string;
  bytes: number;
  totalBytes: number;
}

export interface SkippedSnapshot {
  store: StoreName;
  catalogMd5?: string;
  reason: string;
}

export interface LoadedSnapshot {
  /** The snapshot opened read-only in place (see WorkingDatabase). */
  db: Database.Database | undefined;
  /** The verified local copy `db` reads. */
  file: string | undefined;
  catalogMd5: string | undefined;
  source: LoadSource;
  /** Where the loaded snapshot came from. */
  location: string | undefined;
  skipped: SkippedSnapshot[];
  /** Each store's pointer lines as read (undefined: no pointer). */
  pointers: Partial<Record<StoreName, string[]>>;
}

/**
 * Opens snapshot bytes as a working database, after checking them like any untrusted input: in memory,
 * or copied to `workFile` (a disposable file, so a 100k-entry catalog does not live in RAM).
 */
export function openSnapshotBytes(bytes: Buffer, workFile?: string): Database.Database {
  if (workFile) {
    writeFileSync(workFile, bytes);
    return openCheckedWorkingFile(workFile);
  }
  return checked(new Database(bytes));
}

/** Opens a snapshot copied to a disposable working file, checked like any untrusted input. */
function openCheckedWorkingFile(workFile: string): Database.Database {
  return checked(openWorkingFile(workFile));
}

function checked(db: Database.Database): Database.Database {
  try {
    hardenDatabase(db);
    validateSchema(db);
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
  return db;
}

/**
 * Finds the newest good snapshot: the root pointer first, then the mirror's, each newest line first.
 * A candidate must exist, hash to its name (or be unchanged since it last did) and open as a valid
 * catalog; every skipped one is reported with its reason. The one loaded is opened read-only from
 * the mirror, where a root copy is brought first.
 */
export async function loadNewestSnapshot(
  root: SnapshotStore,
  mirror: MirrorStore,
  maxBytes: number,
  verified: VerifiedSnapshots,
  onProgress?: (progress: SnapshotReadProgress) => void,
): Promise<LoadedSnapshot> {
  const stores = [root, mirror];
  const skipped: SkippedSnapshot[] = [];
  const pointers: Partial<Record<StoreName, string[]>> = {};
  for (const store of stores) {
    try {
      const lines = await store.readPointer();
      if (lines === undefined) skipped.push({ store: store.name, reason: 'no pointer file' });
      else if (lines.length === 0)
        skipped.push({ store: store.name, reason: 'pointer names no valid catalog-md5' });
      if (lines !== undefined) pointers[store.name] = lines;
    } catch (error) {
      skipped.push({ store: store.name, reason: `pointer unreadable: ${describeError(error)}` });
    }
  }
  // Candidates newest first: the root's line, then the mirror's line, at each position. Each is tried
  // in every store, so a damaged root copy falls back to the mirror's copy of the same snapshot before
  // falling back to an older snapshot.
  const lists = stores.map((s) => pointers[s.name] ?? []);
  const candidates: string[] = [];
  for (let i = 0; i < Math.max(0, ...lists.map((l) => l.length)); i++) {
    for (const list of lists) {
      const md5 = list[i];
      if (md5 !== undefined && !candidates.includes(md5)) candidates.push(md5);
    }
  }
  const newest = candidates[0];
  for (const md5 of candidates) {
    // Stores whose pointer names the snapshot first; the other store may still hold a good copy.
    const named = (store: SnapshotStore) => (pointers[store.name]?.includes(md5) ? 0 : 1);
    for (const store of [...stores].sort((a, b) => named(a) - named(b))) {
      let copy: { file: string } | { reason: string };
      try {
        copy = await verifiedLocalCopy(store, md5, mirror, maxBytes, verified, onProgress);
      } catch (error) {
        skipped.push({ store: store.name, catalogMd5: md5, reason: `unreadable: ${describeError(error)}` });
        continue;
      }
      if ('reason' in copy) {
        skipped.push({ store: store.name, catalogMd5: md5, reason: copy.reason });
        continue;
      }
      try {
        const db = checked(openSnapshotFile(copy.file));
        return {
          db,
          file: copy.file,
          catalogMd5: md5,
          source: md5 === newest ? store.name : 'older',
          location: store.locate(snapshotFileName(md5)),
          skipped,
          pointers,
        };
      } catch (error) {
        skipped.push({
          store: store.name,
          catalogMd5: md5,
          reason: `does not open: ${describeError(error)}`,
        });
      }
    }
  }
  let leftovers = false;
  for (const store of stores) if (!leftovers && (await store.hasSnapshotFiles?.())) leftovers = true;
  const anyPointer = Object.keys(pointers).length > 0;
  return {
    db: undefined,
    file: undefined,
    catalogMd5: undefined,
    source: anyPointer || leftovers ? 'rebuild' : 'none',
    location: undefined,
    skipped,
    pointers,
  };
}

type LocalCopy = { file: string } | { reason: string };

const mismatch = (actual: string) => ({ reason: `content hashes to ${actual}, not to its name` });

/**
 * A local file holding `store`'s copy of snapshot `md5`, checked against its name: the mirror's own
 * file, or the root's copy streamed into the mirror. A copy whose fingerprint is unchanged since it
 * was last found good is not read again (see VerifiedSnapshots).
 */
async function verifiedLocalCopy(
  store: SnapshotStore,
  md5: string,
  mirror: MirrorStore,
  maxBytes: number,
  verified: VerifiedSnapshots,
  onProgress?: (progress: SnapshotReadProgress) => void,
): Promise<LocalCopy> {
  const listener = (from: SnapshotStore) =>
    onProgress &&
    ((bytes: number, totalBytes: number | undefined) =>
      onProgress({ store: from.name, catalogMd5: md5, bytes, totalBytes }));
  const mirrorCopy = await checkMirrorCopy(mirror, md5, maxBytes, verified, listener(mirror));
  if (store === mirror) return mirrorCopy;
  return rootCopyIntoMirror(store, md5, mirror, 'file' in mirrorCopy, maxBytes, verified, listener(store));
}

/** The mirror's own copy, hashed in place and remembered when no record vouches for it. */
async function checkMirrorCopy(
  mirror: MirrorStore,
  md5: string,
  maxBytes: number,
  verified: VerifiedSnapshots,
  onBytes?: SnapshotBytesListener,
): Promise<LocalCopy> {
  const file = mirror.fileOf(md5);
  const fingerprint = await mirror.fingerprint(md5);
  if (await verified.isVerified('mirror', md5, fingerprint)) return { file };
  const hashed = await mirror.copySnapshot(md5, undefined, maxBytes, onBytes).catch((error: unknown) => ({
    reason: describeError(error),
  }));
  if (hashed === undefined) return { reason: 'snapshot file missing' };
  if ('reason' in hashed) return hashed;
  if (hashed.md5 !== md5) return mismatch(hashed.md5);
  await verified.remember('mirror', md5, fingerprint);
  return { file };
}

/**
 * The root's copy, checked: when the mirror already holds a good copy and a record vouches for the
 * root's, nothing is read; otherwise the root's copy is hashed as it streams, and written into the
 * mirror in place of a missing or damaged mirror copy (when the mirror's is good, only hashed).
 */
async function rootCopyIntoMirror(
  root: SnapshotStore,
  md5: string,
  mirror: MirrorStore,
  mirrorGood: boolean,
  maxBytes: number,
  verified: VerifiedSnapshots,
  onBytes?: SnapshotBytesListener,
): Promise<LocalCopy> {
  const file = mirror.fileOf(md5);
  // Taken before reading: should the copy change meanwhile, the record will not match.
  const fingerprint = await root.fingerprint(md5).catch(() => undefined);
  if (mirrorGood && (await verified.isVerified(root.name, md5, fingerprint))) return { file };
  const temp = mirrorGood
    ? undefined
    : nodePath.join(mirror.dir, `${TEMP_FILE_PREFIX}${randomBytes(6).toString('hex')}.sqlite`);
  try {
    const copied = await root.copySnapshot(md5, temp, maxBytes, onBytes);
    if (copied === undefined) return { reason: 'snapshot file missing' };
    if (copied.md5 !== md5) return mismatch(copied.md5);
    await verified.remember(root.name, md5, fingerprint);
    // A replaced mirror copy is not remembered yet: it is too recent to fingerprint.
    if (temp !== undefined) await fsp.rename(temp, file);
    return { file };
  } finally {
    if (temp !== undefined) await fsp.rm(temp, { force: true });
  }
}

/**
 * Opens a verified snapshot in place, read-only: snapshots are immutable, so the catalog reads
 * from it until its first write copies it to a working file (see WorkingDatabase).
 */
function openSnapshotFile(file: string): Database.Database {
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

  constructor(
    private current: Database.Database,
    private snapshotFile: string | undefined,
    readonly workFile: string,
  ) {
    // A snapshot is written with its listing just rebuilt, and nothing has been written since.
    this.listingAtChanges = snapshotFile !== undefined ? this.totalChanges() : undefined;
  }

  get db(): Database.Database {
    return this.current;
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

  /** The database, writable: copied from the snapshot on first use. */
  async writable(): Promise<Database.Database> {
    if (this.snapshotFile !== undefined) {
      await fsp.copyFile(this.snapshotFile, this.workFile);
      const db = openWorkingFile(this.workFile);
      hardenDatabase(db);
      const listingWasCurrent = this.listingIsCurrent;
      this.current.close();
      this.current = db;
      this.snapshotFile = undefined;
      // A byte copy of the snapshot, on a connection of its own: its count starts again.
      this.listingAtChanges = listingWasCurrent ? this.totalChanges() : undefined;
    }
    return this.current;
  }
}

/**
 * `VACUUM INTO` writes the source's schema cookie plus one and its own change counter, so a snapshot
 * of a reloaded snapshot would differ from the original in those header fields alone. Fixing them to
 * 1 (cookie at offset 40, change counter at 24 and the matching version-valid-for at 92) makes equal
 * rows give equal bytes across reloads; an immutable file shared by no live connection needs neither.
 */
const NORMALIZED_HEADER_FIELDS = [24, 40, 92];

async function normalizeHeaderOf(file: string): Promise<void> {
  const handle = await fsp.open(file, 'r+');
  try {
    const { size } = await handle.stat();
    if (size < 100) return;
    const one = Buffer.alloc(4);
    one.writeUInt32BE(1, 0);
    for (const offset of NORMALIZED_HEADER_FIELDS) await handle.write(one, 0, 4, offset);
  } finally {
    await handle.close();
  }
}

/** A snapshot written to a local temp file; `dispose` removes the file. */
export interface SerializedSnapshot {
  file: string;
  size: number;
  catalogMd5: string;
  dispose(): Promise<void>;
}

/**
 * Serialises the working database with `VACUUM INTO` into a temp file in `tempDir`: rows in key
 * order, so equal content gives equal bytes. The file is hashed as a stream and never read into
 * memory whole (a catalog of 100k photos is about 88 MB).
 */
export async function serializeSnapshot(db: Database.Database, tempDir: string): Promise<SerializedSnapshot> {
  await makeFolder(tempDir);
  const file = nodePath.join(tempDir, `${TEMP_FILE_PREFIX}${randomBytes(6).toString('hex')}.sqlite`);
  const dispose = () => fsp.rm(file, { force: true });
  try {
    db.prepare('VACUUM INTO ?').run(file);
    await normalizeHeaderOf(file);
    const { size } = await fsp.stat(file);
    return {
      file,
      size,
      catalogMd5: await md5OfStream(createReadStream(file, { highWaterMark: 1024 * 1024 })),
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** Whether a store's copy of a snapshot is known good, or hashes to its name when read. */
async function holdsGoodCopy(
  store: SnapshotStore,
  md5: string,
  size: number,
  verified: VerifiedSnapshots | undefined,
): Promise<boolean> {
  const fingerprint = await store.fingerprint(md5).catch(() => undefined);
  if (await verified?.isVerified(store.name, md5, fingerprint)) return true;
  // Hashed as it streams: a snapshot of 100k photos is about 88 MB.
  const copy = await store.copySnapshot(md5, undefined, size).catch(() => undefined);
  if (copy?.md5 !== md5) return false;
  await verified?.remember(store.name, md5, fingerprint);
  return true;
}

export interface PublishResult {
  /** Locations the snapshot file was written to (or already existed at). */
  snapshots: string[];
  /** Stores whose pointer now names the snapshot first. */
  pointers: StoreName[];
  /** True when the snapshot bytes were new in at least one store. */
  wroteNew: boolean;
  warnings: string[];
  /** Writable stores that could not be written (not read-only ones): their catalog is now stale. */
  failed: StoreName[];
}

/**
 * Publishes a snapshot: bytes into every writable store (skipped where the store already names it),
 * then each store's pointer rewritten atomically (newest first, then up to `keep - 1` older ones),
 * then snapshots that fell off the pointer are pruned. A root that refuses writes gets one warning
 * and the mirror still gets everything.
 */
export async function publishSnapshot(
  stores: SnapshotStore[],
  snapshot: Pick<SerializedSnapshot, 'file' | 'size' | 'catalogMd5'>,
  keep: number,
  known: Partial<Record<StoreName, string[]>> = {},
  verified?: VerifiedSnapshots,
  onWrite?: (progress: SnapshotWriteProgress) => void,
): Promise<PublishResult> {
  const { catalogMd5 } = snapshot;
  const result: PublishResult = { snapshots: [], pointers: [], wroteNew: false, warnings: [], failed: [] };
  const ready: { store: SnapshotStore; previous: string[] }[] = [];
  for (const store of stores) {
    if (!store.writable) {
      result.warnings.push(`the ${store.name} is read-only; the catalog is kept in the cache mirror only`);
      continue;
    }
    // This process read or wrote that pointer, and it already names this snapshot first: nothing to
    // send. An unchanged rescan of a remote root then costs no request beyond the listing.
    if (known[store.name]?.[0] === catalogMd5) {
      result.snapshots.push(store.locate(snapshotFileName(catalogMd5)));
      result.pointers.push(store.name);
      continue;
    }
    try {
      const previous = (await store.readPointer().catch(() => undefined)) ?? [];
      if (
        !previous.includes(catalogMd5) ||
        !(await holdsGoodCopy(store, catalogMd5, snapshot.size, verified))
      ) {
        await store.writeSnapshot(
          catalogMd5,
          snapshot.file,
          onWrite &&
            ((bytes) => onWrite({ store: store.name, catalogMd5, bytes, totalBytes: snapshot.size })),
        );
        result.wroteNew = true;
        // Written from bytes just hashed: good as it stands.
        const fingerprint = await store.fingerprint(catalogMd5).catch(() => undefined);
        await verified?.remember(store.name, catalogMd5, fingerprint);
      }
      result.snapshots.push(store.locate(snapshotFileName(catalogMd5)));
      ready.push({ store, previous });
    } catch (error) {
      const readOnly = isPhotolalaError(error, 'PERMISSION_DENIED') || isPhotolalaError(error, 'READ_ONLY');
      if (!readOnly) result.failed.push(store.name);
      result.warnings.push(
        readOnly
          ? `the ${store.name} is read-only (${describeError(error)}); the catalog is kept in the cache mirror only`
          : `could not write the snapshot to the ${store.name}: ${describeError(error)}`,
      );
    }
  }
  for (const { store, previous } of ready) {
    const lines = nextPointer(catalogMd5, previous, keep);
    try {
      await store.writePointer(formatPointer(lines));
      result.pointers.push(store.name);
      known[store.name] = lines;
    } catch (error) {
      result.warnings.push(`could not write the ${store.name} pointer: ${describeError(error)}`);
      result.failed.push(store.name);
      continue;
    }
    for (const old of previous) {
      if (!lines.includes(old)) await store.removeSnapshot(old).catch(() => {});
    }
  }
  return result;
}
