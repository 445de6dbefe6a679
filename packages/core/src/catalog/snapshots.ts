import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp, writeFileSync } from 'node:fs';
import nodePath from 'node:path';
import Database from 'better-sqlite3';
import { TEMP_FILE_PREFIX } from '../enumerate-filter.js';
import { describeError, isPhotolalaError } from '../errors.js';
import { md5Hex } from '../identity.js';
import { formatPointer, nextPointer, snapshotFileName } from './pointer.js';
import { hardenDatabase, validateSchema } from './schema.js';
import type { SnapshotStore, StoreName } from './snapshot-store.js';

/** Which snapshot a catalog was loaded from. `none`: no pointer existed; `rebuild`: none was usable. */
export type LoadSource = 'root' | 'mirror' | 'older' | 'rebuild' | 'none';

export interface SkippedSnapshot {
  store: StoreName;
  catalogMd5?: string;
  reason: string;
}

export interface LoadedSnapshot {
  db: Database.Database | undefined;
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

/**
 * Finds the newest good snapshot: the root pointer first, then the mirror's, each newest line first.
 * A candidate must exist, hash to its name and open as a valid catalog; every skipped one is reported
 * with its reason.
 */
/** A working database file: disposable, so no journal on disk and no fsync. */
export function openWorkingFile(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = MEMORY');
  db.pragma('synchronous = OFF');
  // A bounded page cache (32 MiB): lookups by path during a rescan stay in memory for catalogs of
  // 100k entries without keeping the whole database resident.
  db.pragma('cache_size = -32768');
  // Private to this process: hold the file lock instead of taking and dropping it (and re-checking
  // the header) around every statement, which made a lookup by path several times slower.
  db.pragma('locking_mode = EXCLUSIVE');
  return db;
}

export async function loadNewestSnapshot(
  stores: SnapshotStore[],
  maxBytes: number,
  workFile: string,
): Promise<LoadedSnapshot> {
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
      let copied: { md5: string } | undefined;
      try {
        copied = await store.copySnapshot(md5, workFile, maxBytes);
      } catch (error) {
        skipped.push({ store: store.name, catalogMd5: md5, reason: `unreadable: ${describeError(error)}` });
        continue;
      }
      if (copied === undefined) {
        skipped.push({ store: store.name, catalogMd5: md5, reason: 'snapshot file missing' });
        continue;
      }
      if (copied.md5 !== md5) {
        skipped.push({
          store: store.name,
          catalogMd5: md5,
          reason: `content hashes to ${copied.md5}, not to its name`,
        });
        continue;
      }
      try {
        const db = openCheckedWorkingFile(workFile);
        return {
          db,
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
    catalogMd5: undefined,
    source: anyPointer || leftovers ? 'rebuild' : 'none',
    location: undefined,
    skipped,
    pointers,
  };
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

async function md5OfFile(file: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
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
 * memory whole (a catalog of 100k photos is about 70 MB).
 */
export async function serializeSnapshot(db: Database.Database, tempDir: string): Promise<SerializedSnapshot> {
  await fsp.mkdir(tempDir, { recursive: true });
  const file = nodePath.join(tempDir, `${TEMP_FILE_PREFIX}${randomBytes(6).toString('hex')}.sqlite`);
  const dispose = () => fsp.rm(file, { force: true });
  try {
    db.prepare('VACUUM INTO ?').run(file);
    await normalizeHeaderOf(file);
    const { size } = await fsp.stat(file);
    return { file, size, catalogMd5: await md5OfFile(file), dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

export interface PublishResult {
  /** Locations the snapshot file was written to (or already existed at). */
  snapshots: string[];
  /** Stores whose pointer now names the snapshot first. */
  pointers: StoreName[];
  /** True when the snapshot bytes were new in at least one store. */
  wroteNew: boolean;
  warnings: string[];
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
): Promise<PublishResult> {
  const { catalogMd5 } = snapshot;
  const result: PublishResult = { snapshots: [], pointers: [], wroteNew: false, warnings: [] };
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
      const existing = previous.includes(catalogMd5)
        ? await store.readSnapshot(catalogMd5, snapshot.size).catch(() => undefined)
        : undefined;
      if (!existing || md5Hex(existing) !== catalogMd5) {
        await store.writeSnapshot(catalogMd5, snapshot.file);
        result.wroteNew = true;
      }
      result.snapshots.push(store.locate(snapshotFileName(catalogMd5)));
      ready.push({ store, previous });
    } catch (error) {
      const readOnly = isPhotolalaError(error, 'PERMISSION_DENIED') || isPhotolalaError(error, 'READ_ONLY');
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
      continue;
    }
    for (const old of previous) {
      if (!lines.includes(old)) await store.removeSnapshot(old).catch(() => {});
    }
  }
  return result;
}
