import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp, writeFileSync } from 'node:fs';
import nodePath from 'node:path';
import Database from 'better-sqlite3';
import { TEMP_FILE_PREFIX } from '../source/enumerate-filter.js';
import { describeError, type ErrorCode, isPhotolalaError } from '../source/errors.js';
import { makeFolder } from '../source/make-folder.js';
import type { WriteCondition } from '../source/root-source.js';
import { formatPointer, nextPointer, snapshotFileName } from './pointer.js';
import { checkSnapshotRows } from './row-check.js';
import { hardenDatabase, validateSchema } from './schema.js';
import type { MirrorStore, SnapshotBytesListener, SnapshotStore, StoreName } from './snapshot-store.js';
import type { VerifiedSnapshots } from './verified-snapshots.js';

/**
 * Which snapshot a catalog was loaded from. `adopted`: no pointer named a good snapshot, so the newest
 * good snapshot file found was loaded; `none`: no pointer or snapshot existed; `rebuild`: none was usable.
 */
export type LoadSource = 'root' | 'mirror' | 'older' | 'adopted' | 'rebuild' | 'none';

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

/** A snapshot or pointer that opening a catalog passed over, and why (`CatalogLoadInfo.skipped`). */
export interface SkippedSnapshot {
  store: StoreName;
  catalogMd5?: string;
  reason: string;
  /** The error's code, where a store's read failed with a coded error (`UNAVAILABLE`: unreachable). */
  code?: ErrorCode;
}

export interface LoadedSnapshot {
  /** The snapshot opened read-only in place (see WorkingDatabase). */
  db: Database.Database | undefined;
  /** The verified local copy `db` reads. */
  file: string | undefined;
  catalogMd5: string | undefined;
  /** The loaded snapshot's generation (0 when none was loaded, or it predates generations). */
  generation: number;
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
    return checked(openWorkingFile(workFile), { rows: true });
  }
  return checked(new Database(bytes), { rows: true });
}

/**
 * Checks an opened snapshot: our schema, and with `rows`, every row that names a file (see
 * checkSnapshotRows). Closes it and throws when it fails.
 */
function checked(db: Database.Database, { rows }: { rows: boolean }): Database.Database {
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
  return db;
}

/** A snapshot opened and checked: verified against its name, a valid catalog, and its generation read. */
export interface OpenedSnapshot {
  db: Database.Database;
  file: string;
  catalogMd5: string;
  generation: number;
  /** The store whose copy was loaded (a root copy is first brought into the mirror). */
  store: SnapshotStore;
}

/**
 * Opens snapshot `md5` from the first store holding a good copy (`stores` in the order to try), or
 * records in `skipped` why each copy was refused.
 */
async function openGoodCopy(
  md5: string,
  stores: SnapshotStore[],
  mirror: MirrorStore,
  maxBytes: number,
  verified: VerifiedSnapshots,
  skipped: SkippedSnapshot[],
  onProgress?: (progress: SnapshotReadProgress) => void,
): Promise<OpenedSnapshot | undefined> {
  for (const store of stores) {
    let copy: LocalCopy;
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
    let db: Database.Database;
    try {
      // A copy a record vouches for was found good, rows and all, when it was remembered: its rows
      // are judged once per copy, so an unchanged reload costs nothing more (the same trust as the
      // hash). A copy that fails is never remembered, and is judged again next time.
      db = checked(openSnapshotFile(copy.file), { rows: !copy.vouched });
    } catch (error) {
      skipped.push({ store: store.name, catalogMd5: md5, reason: `does not open: ${describeError(error)}` });
      continue;
    }
    await copy.remember();
    return { db, file: copy.file, catalogMd5: md5, generation: snapshotGeneration(db), store };
  }
  return undefined;
}

/** Reads both pointers; a store whose pointer cannot be read is reported and counts as having none. */
async function readPointers(
  stores: SnapshotStore[],
  skipped: SkippedSnapshot[],
): Promise<Partial<Record<StoreName, string[]>>> {
  const pointers: Partial<Record<StoreName, string[]>> = {};
  for (const store of stores) {
    try {
      const lines = await store.readPointer();
      if (lines === undefined) skipped.push({ store: store.name, reason: 'no pointer file' });
      else if (lines.length === 0)
        skipped.push({ store: store.name, reason: 'pointer names no valid catalog-md5' });
      if (lines !== undefined) pointers[store.name] = lines;
    } catch (error) {
      skipped.push({
        store: store.name,
        reason: `pointer unreadable: ${describeError(error)}`,
        ...(isPhotolalaError(error) ? { code: error.code } : {}),
      });
    }
  }
  return pointers;
}

/**
 * Each store's newest good snapshot: its pointer's first line that loads. A copy damaged in the
 * store that names it is taken from the other store, before an older line is tried. `except` names a
 * snapshot already known (its generation given), which is not read again. Returned newest first: the
 * highest generation, the root's before the mirror's on a tie.
 */
async function pointerHeads(
  stores: SnapshotStore[],
  mirror: MirrorStore,
  pointers: Partial<Record<StoreName, string[]>>,
  maxBytes: number,
  verified: VerifiedSnapshots,
  skipped: SkippedSnapshot[],
  except?: { catalogMd5: string; generation: number },
  onProgress?: (progress: SnapshotReadProgress) => void,
): Promise<{
  heads: (OpenedSnapshot | { catalogMd5: string; generation: number })[];
  damagedHeads: string[];
}> {
  const heads: (OpenedSnapshot | { catalogMd5: string; generation: number })[] = [];
  const damagedHeads: string[] = [];
  const failed = new Set<string>();
  for (const store of stores) {
    const lines = pointers[store.name] ?? [];
    for (const md5 of lines) {
      if (failed.has(md5)) continue;
      const known =
        heads.find((h) => h.catalogMd5 === md5) ?? (except?.catalogMd5 === md5 ? except : undefined);
      if (known) {
        if (!heads.includes(known)) heads.push(known);
        break;
      }
      const order = [store, ...stores.filter((s) => s !== store)];
      const opened = await openGoodCopy(md5, order, mirror, maxBytes, verified, skipped, onProgress);
      if (opened) {
        heads.push(opened);
        break;
      }
      failed.add(md5);
      if (md5 === lines[0]) damagedHeads.push(md5);
    }
  }
  // A stable sort: on equal generations the root's head stays first, as before generations.
  heads.sort((a, b) => b.generation - a.generation);
  return { heads, damagedHeads };
}

const isOpened = (h: OpenedSnapshot | { catalogMd5: string }): h is OpenedSnapshot => 'db' in h;

/**
 * Finds the newest good snapshot, wherever it lies: each pointer's first line that loads (a copy must
 * exist, hash to its name, or be unchanged since it last did, and open as a valid catalog), and of
 * those the one of the highest generation. A read-only root's pointer may name an older snapshot than
 * the mirror's, which holds the stars starred since. When no pointer names a good snapshot, the newest
 * good snapshot file found in either store is adopted rather than the catalog rebuilt. Every skipped
 * copy is reported with its reason. The one loaded is opened read-only from the mirror, where a root
 * copy is brought first.
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
  const pointers = await readPointers(stores, skipped);
  const { heads, damagedHeads } = await pointerHeads(
    stores,
    mirror,
    pointers,
    maxBytes,
    verified,
    skipped,
    undefined,
    onProgress,
  );
  const opened = heads.filter(isOpened);
  let best: OpenedSnapshot | undefined = opened[0];
  for (const other of opened.slice(1)) other.db.close();
  let source: LoadSource | undefined;
  if (best) {
    const older = damagedHeads.length > 0 && !damagedHeads.includes(best.catalogMd5);
    source = older ? 'older' : best.store.name;
  } else {
    const tried = new Set(skipped.map((s) => s.catalogMd5).filter((m) => m !== undefined));
    // The root is searched only where a trace of a catalog is left (listing an S3 root lists every
    // key), so a first visit costs nothing more.
    const traces =
      skipped.some((s) => s.reason !== 'no pointer file') ||
      (await mirror.listSnapshotFiles().catch(() => [])).length > 0;
    const searched = traces ? stores : [mirror];
    best = await newestSnapshotFile(searched, mirror, maxBytes, verified, skipped, tried, onProgress);
    if (best) source = 'adopted';
  }
  if (best && source) {
    return {
      db: best.db,
      file: best.file,
      catalogMd5: best.catalogMd5,
      generation: best.generation,
      source,
      location: best.store.locate(snapshotFileName(best.catalogMd5)),
      skipped,
      pointers,
    };
  }
  const anyPointer = Object.keys(pointers).length > 0;
  return {
    db: undefined,
    file: undefined,
    catalogMd5: undefined,
    generation: 0,
    source: anyPointer || tried(skipped) ? 'rebuild' : 'none',
    location: undefined,
    skipped,
    pointers,
  };
}

/**
 * The snapshot another process published since this one loaded or published `current`: the newest of
 * the pointers' heads, when its generation is higher (a snapshot this one has not seen). Pointers
 * naming `current` first cost no read of a snapshot. Also returns the pointers as read.
 */
export async function findNewerSnapshot(
  root: SnapshotStore,
  mirror: MirrorStore,
  current: { catalogMd5: string | undefined; generation: number },
  maxBytes: number,
  verified: VerifiedSnapshots,
): Promise<{ newer: OpenedSnapshot | undefined; pointers: Partial<Record<StoreName, string[]>> }> {
  const stores = [root, mirror];
  const skipped: SkippedSnapshot[] = [];
  const pointers = await readPointers(stores, skipped);
  const except =
    current.catalogMd5 === undefined
      ? undefined
      : { catalogMd5: current.catalogMd5, generation: current.generation };
  const { heads } = await pointerHeads(stores, mirror, pointers, maxBytes, verified, skipped, except);
  const opened = heads.filter(isOpened);
  const best = heads[0];
  const newer = best && isOpened(best) && best.generation > current.generation ? best : undefined;
  for (const other of opened) if (other !== newer) other.db.close();
  return { newer, pointers };
}

const tried = (skipped: SkippedSnapshot[]) => skipped.some((s) => s.catalogMd5 !== undefined);

/**
 * The newest good snapshot file in `stores`, named by a pointer or not: the highest generation, then
 * the latest mtime (snapshots from before generations all count as 0). For a catalog whose pointers
 * are lost or garbage: its snapshot files verify themselves by their names, and hold its stars. Files
 * already refused (`tried`) are not read again. Exported for the cleanup of orphaned snapshots: a file
 * is older than the newest only when its generation is lower.
 */
export async function newestSnapshotFile(
  stores: SnapshotStore[],
  mirror: MirrorStore,
  maxBytes: number,
  verified: VerifiedSnapshots,
  skipped: SkippedSnapshot[],
  tried: ReadonlySet<string> = new Set(),
  onProgress?: (progress: SnapshotReadProgress) => void,
): Promise<OpenedSnapshot | undefined> {
  const files = new Map<string, { mtimeMs: number; stores: SnapshotStore[] }>();
  for (const store of stores) {
    let listed: { catalogMd5: string; mtimeMs: number }[];
    try {
      listed = await store.listSnapshotFiles();
    } catch (error) {
      skipped.push({ store: store.name, reason: `snapshot files cannot be listed: ${describeError(error)}` });
      continue;
    }
    for (const { catalogMd5, mtimeMs } of listed) {
      if (tried.has(catalogMd5)) continue;
      const known = files.get(catalogMd5) ?? { mtimeMs, stores: [] };
      known.mtimeMs = Math.max(known.mtimeMs, mtimeMs);
      known.stores.push(store);
      files.set(catalogMd5, known);
    }
  }
  let best: (OpenedSnapshot & { mtimeMs: number }) | undefined;
  for (const [md5, { mtimeMs, stores: holding }] of files) {
    const opened = await openGoodCopy(md5, holding, mirror, maxBytes, verified, skipped, onProgress);
    if (!opened) continue;
    const newer =
      !best ||
      opened.generation > best.generation ||
      (opened.generation === best.generation && mtimeMs > best.mtimeMs);
    if (newer) {
      best?.db.close();
      best = { ...opened, mtimeMs };
    } else opened.db.close();
  }
  if (!best) return undefined;
  const { mtimeMs: _, ...found } = best;
  return found;
}

/**
 * A local copy found to hash to its name. `vouched`: a record says so, and that the rows were
 * found good too; otherwise `remember` records the copies hashed, once its rows are found good.
 */
type LocalCopy = { file: string; vouched: boolean; remember: () => Promise<void> } | { reason: string };

const vouchedCopy = (file: string): LocalCopy => ({ file, vouched: true, remember: async () => {} });

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
  const rootCopy = await rootCopyIntoMirror(
    store,
    md5,
    mirror,
    'file' in mirrorCopy,
    maxBytes,
    verified,
    listener(store),
  );
  if (!('file' in rootCopy) || !('file' in mirrorCopy)) return rootCopy;
  // Both hash to the same name, so their rows are the same rows: either record vouches for both.
  return {
    file: rootCopy.file,
    vouched: rootCopy.vouched || mirrorCopy.vouched,
    remember: async () => {
      await mirrorCopy.remember();
      await rootCopy.remember();
    },
  };
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
  if (await verified.isVerified('mirror', md5, fingerprint)) return vouchedCopy(file);
  const hashed = await mirror.copySnapshot(md5, undefined, maxBytes, onBytes).catch((error: unknown) => ({
    reason: describeError(error),
  }));
  if (hashed === undefined) return { reason: 'snapshot file missing' };
  if ('reason' in hashed) return hashed;
  if (hashed.md5 !== md5) return mismatch(hashed.md5);
  return { file, vouched: false, remember: () => verified.remember('mirror', md5, fingerprint) };
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
  if (mirrorGood && (await verified.isVerified(root.name, md5, fingerprint))) return vouchedCopy(file);
  const temp = mirrorGood
    ? undefined
    : nodePath.join(mirror.dir, `${TEMP_FILE_PREFIX}${randomBytes(6).toString('hex')}.sqlite`);
  try {
    const copied = await root.copySnapshot(md5, temp, maxBytes, onBytes);
    if (copied === undefined) return { reason: 'snapshot file missing' };
    if (copied.md5 !== md5) return mismatch(copied.md5);
    // A replaced mirror copy is not remembered yet: it is too recent to fingerprint.
    if (temp !== undefined) await fsp.rename(temp, file);
    return { file, vouched: false, remember: () => verified.remember(root.name, md5, fingerprint) };
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
    private work: string,
  ) {
    // A snapshot is written with its listing just rebuilt, and nothing has been written since.
    this.listingAtChanges = snapshotFile !== undefined ? this.totalChanges() : undefined;
  }

  get db(): Database.Database {
    return this.current;
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

  /** The database, writable: copied from the snapshot on first use. */
  async writable(): Promise<Database.Database> {
    if (this.snapshotFile !== undefined) {
      await fsp.copyFile(this.snapshotFile, this.work);
      const db = openWorkingFile(this.work);
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

/**
 * Where a snapshot keeps its generation: the header's user version (big-endian, 4 bytes), which
 * SQLite never interprets. Written into the finished file, so the rows' bytes need not be made twice to
 * learn whether anything changed (see serializeSnapshot).
 */
const GENERATION_OFFSET = 60;
const HEADER_BYTES = 100;

/**
 * A snapshot's generation: one more than the snapshot its catalog was loaded from, or last published,
 * whenever its content changed. The newest catalog then wins wherever it lies: a read-only root's
 * pointer may name an older one than the mirror's. Snapshots written before generations have 0 and
 * count as the oldest.
 */
export function snapshotGeneration(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

async function normalizeHeaderOf(file: string): Promise<void> {
  const handle = await fsp.open(file, 'r+');
  try {
    const { size } = await handle.stat();
    if (size < HEADER_BYTES) return;
    const one = Buffer.alloc(4);
    one.writeUInt32BE(1, 0);
    for (const offset of NORMALIZED_HEADER_FIELDS) await handle.write(one, 0, 4, offset);
  } finally {
    await handle.close();
  }
}

const generationBytes = (generation: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(generation, 0);
  return bytes;
};

/**
 * The file's MD5 with its generation field set to each of `generations`, from one read: the bytes
 * before the field are hashed once, then each hash is copied and fed the rest.
 */
async function md5sWithGenerations(file: string, generations: number[]): Promise<string[]> {
  const handle = await fsp.open(file, 'r');
  let before: Buffer;
  try {
    before = Buffer.alloc(GENERATION_OFFSET);
    await handle.read(before, 0, GENERATION_OFFSET, 0);
  } finally {
    await handle.close();
  }
  const start = createHash('md5').update(before);
  const hashes = generations.map((g) => start.copy().update(generationBytes(g)));
  const rest = createReadStream(file, { start: GENERATION_OFFSET + 4, highWaterMark: 1024 * 1024 });
  for await (const chunk of rest) for (const hash of hashes) hash.update(chunk as Buffer);
  return hashes.map((h) => h.digest('hex'));
}

/** A snapshot written to a local temp file; `dispose` removes the file. */
export interface SerializedSnapshot {
  file: string;
  size: number;
  catalogMd5: string;
  generation: number;
  dispose(): Promise<void>;
}

/**
 * Serialises the working database with `VACUUM INTO` into a temp file in `tempDir`: rows in key
 * order, so equal content gives equal bytes. Its generation is `base.generation` when the content is
 * that of `base` (an unchanged catalog, or a star and its unstar: no new snapshot), else one more.
 * The file is hashed as a stream and never read into memory whole (100k photos are about 88 MB).
 */
export async function serializeSnapshot(
  db: Database.Database,
  tempDir: string,
  base: { catalogMd5: string | undefined; generation: number },
): Promise<SerializedSnapshot> {
  await makeFolder(tempDir);
  const file = nodePath.join(tempDir, `${TEMP_FILE_PREFIX}${randomBytes(6).toString('hex')}.sqlite`);
  const dispose = () => fsp.rm(file, { force: true });
  try {
    db.prepare('VACUUM INTO ?').run(file);
    await normalizeHeaderOf(file);
    const { size } = await fsp.stat(file);
    if (size < HEADER_BYTES) throw new Error(`VACUUM INTO wrote ${size} bytes, less than a header`);
    const next = base.generation + 1;
    const [same, changed] = await md5sWithGenerations(file, [base.generation, next]);
    const unchanged = same === base.catalogMd5;
    const generation = unchanged ? base.generation : next;
    const handle = await fsp.open(file, 'r+');
    try {
      await handle.write(generationBytes(generation), 0, 4, GENERATION_OFFSET);
    } finally {
      await handle.close();
    }
    return { file, size, catalogMd5: (unchanged ? same : changed)!, generation, dispose };
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
  /**
   * A store's pointer changed since `expected` was taken (another machine published): no pointer was
   * written, and the caller merges onto the newer snapshot and publishes again.
   */
  conflict: boolean;
}

/**
 * Publishes a snapshot: bytes into every writable store (skipped where the store already names it),
 * then each store's pointer rewritten atomically (newest first, then up to `keep - 1` older ones),
 * then snapshots that fell off the pointer are pruned. A root that refuses writes gets one warning
 * and the mirror still gets everything. A pointer with an `expected` version is written only while it
 * still has it; when it has not, no further pointer is written and `conflict` is set.
 */
export async function publishSnapshot(
  stores: SnapshotStore[],
  snapshot: Pick<SerializedSnapshot, 'file' | 'size' | 'catalogMd5'>,
  keep: number,
  known: Partial<Record<StoreName, string[]>> = {},
  verified?: VerifiedSnapshots,
  onWrite?: (progress: SnapshotWriteProgress) => void,
  expected: Partial<Record<StoreName, WriteCondition>> = {},
): Promise<PublishResult> {
  const { catalogMd5 } = snapshot;
  const result: PublishResult = {
    snapshots: [],
    pointers: [],
    wroteNew: false,
    warnings: [],
    failed: [],
    conflict: false,
  };
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
      await store.writePointer(formatPointer(lines), expected[store.name]);
      result.pointers.push(store.name);
      known[store.name] = lines;
    } catch (error) {
      if (isPhotolalaError(error, 'CONFLICT')) {
        // The root comes first: the mirror must not name a snapshot that lacks the other's changes.
        result.conflict = true;
        break;
      }
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
