import type Database from 'better-sqlite3';
import { describeError, type ErrorCode, isPhotolalaError } from '../source/errors.js';
import { snapshotFileName } from './pointer.js';
import { type LocalCopy, type SnapshotReadProgress, verifiedLocalCopy } from './snapshot-copies.js';
import { snapshotGeneration } from './snapshot-serialize.js';
import type { MirrorStore, SnapshotStore, StoreName } from './snapshot-store.js';
import type { VerifiedSnapshots } from './verified-snapshots.js';
import { checkedSnapshot, openSnapshotFile } from './working-database.js';

/**
 * Which snapshot a catalog was loaded from. `adopted`: no pointer named a good snapshot, so the newest
 * good snapshot file found was loaded; `none`: no pointer or snapshot existed; `rebuild`: none was usable.
 */
export type LoadSource = 'root' | 'mirror' | 'older' | 'adopted' | 'rebuild' | 'none';

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
      db = checkedSnapshot(openSnapshotFile(copy.file), { rows: !copy.vouched });
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
