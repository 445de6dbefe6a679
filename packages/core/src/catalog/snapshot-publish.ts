import { fileURLToPath } from 'node:url';
import { describeError, isPhotolalaError } from '../source/errors.js';
import type { WriteCondition } from '../source/root-source.js';
import type { CatalogWarning } from './events.js';
import { formatPointer, nextPointer, snapshotFileName } from './pointer.js';
import type { SerializedSnapshot } from './snapshot-serialize.js';
import type { SnapshotStore, StoreName } from './snapshot-store.js';
import type { VerifiedSnapshots } from './verified-snapshots.js';

/** A snapshot being written into a store as it is published (uploaded, for a remote root). */
export interface SnapshotWriteProgress {
  store: StoreName;
  catalogMd5: string;
  bytes: number;
  totalBytes: number;
}

/**
 * The warning of a store that takes no writes (coded `READ_ONLY`, which a front end dedupes by):
 * `location` names where it is and `why` gives the system's refusal, when a write was tried.
 */
export function readOnlyWarning(store: StoreName, location = '', why = ''): CatalogWarning {
  return {
    message: `the ${store} ${location}is read-only${why}; the catalog is kept in the cache mirror only`,
    code: 'READ_ONLY',
  };
}

/** Where a store is, as a user names it: a local folder as its path rather than a file:// URL. */
function shownLocation(store: SnapshotStore): string {
  const location = store.locate('').replace(/\/+$/, '');
  if (!location.startsWith('file://')) return location;
  try {
    return fileURLToPath(location);
  } catch {
    return location;
  }
}

/**
 * Why a store refused a write, for a warning: the system's own words ("EACCES: permission denied")
 * or the error's code, without the paths of the temp files it was writing, which mean nothing to a
 * user.
 */
function refusal(error: unknown): string {
  for (let e = error; e instanceof Error; e = e.cause) {
    const native = /^(E[A-Z]+: [^,]+)/.exec(e.message.replace(/^\[photolala\] \[[^\]]*\] /, ''));
    if (native?.[1]) return native[1];
  }
  return isPhotolalaError(error) ? error.code : describeError(error);
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
  warnings: CatalogWarning[];
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
      result.warnings.push(readOnlyWarning(store.name));
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
          onWrite && ((bytes, totalBytes) => onWrite({ store: store.name, catalogMd5, bytes, totalBytes })),
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
          ? readOnlyWarning(store.name, `${shownLocation(store)} `, ` (${refusal(error)})`)
          : { message: `could not write the snapshot to the ${store.name}: ${describeError(error)}` },
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
      result.warnings.push({ message: `could not write the ${store.name} pointer: ${describeError(error)}` });
      result.failed.push(store.name);
      continue;
    }
    for (const old of previous) {
      if (!lines.includes(old)) await store.removeSnapshot(old).catch(() => {});
    }
  }
  return result;
}
