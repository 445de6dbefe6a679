import { promises as fsp, lstatSync } from 'node:fs';
import nodePath from 'node:path';
import Database from 'better-sqlite3';
import { removeMirrorLeftovers, STALE_LEFTOVER_MS } from '../catalog/leftovers.js';
import { snapshotFileName } from '../catalog/pointer.js';
import { mirrorStore } from '../catalog/snapshot-store.js';
import { isApplePhotoId, isMd5 } from '../digest/identity.js';
import { TEMP_FILE_PREFIX } from '../source/enumerate-filter.js';
import { describeError } from '../source/errors.js';
import { notRegularFile, specialFileKind } from '../source/regular-file.js';
import { CACHED_FILE_KINDS, type CacheShard, isCacheShardName } from './cache.js';

/** Options of `pruneCache`. */
export interface PruneCacheOptions {
  /** What the cached thumbnails and metadata documents may take on disk, in bytes, over all shards. */
  maxBytes: number;
  /**
   * A root opened within this many days keeps every photo its newest snapshot lists, whatever the
   * quota (default 90). Opening a catalog marks its mirror folder as used.
   */
  spareDays?: number;
  /** Report what would be removed, and remove nothing. */
  dryRun?: boolean;
  /** The clock, for tests. */
  now?: number;
}

/** What `pruneCache` found in the cache and removed (or, with `dryRun`, would remove). */
export interface PruneCacheReport {
  cacheRoot: string;
  maxBytes: number;
  /** Disk space of the cached derived files before pruning, and how many photos they are for. */
  bytesBefore: number;
  photosBefore: number;
  /** After pruning (what it would be, with `dryRun`). */
  bytesAfter: number;
  /** Photos whose thumbnail and metadata were removed, and the space that freed. */
  removedPhotos: number;
  removedBytes: number;
  /** Space taken by photos that recently opened roots list: never removed. */
  sparedBytes: number;
  /** Mirror folders of roots opened within `spareDays`. */
  recentRoots: number;
  /** Temp files of writes that never finished (a crashed process), in the shards and mirror folders, removed. */
  removedTempFiles: number;
  /** Still over the quota: what remains is all spared. */
  overQuota: boolean;
  /** Roots whose catalog could not be read, so their photos could not be spared; and the like. */
  warnings: string[];
  dryRun: boolean;
}

/** One photo's derived files in one shard: they are kept or removed together. */
interface CachedPhoto {
  shard: CacheShard;
  key: string;
  files: string[];
  bytes: number;
  lastUsedMs: number;
}

const DAY_MS = 24 * 3600 * 1000;
const MIRROR_FOLDER = /^[0-9a-f]{32}$/;
const SHARD_FOLDER = /^[0-9a-f]{2}$/;

/**
 * Keeps the cache's thumbnails and metadata documents within `maxBytes` (DESIGN.md section 8: one
 * quota over all shards). Least recently used photos go first; a photo listed by the newest snapshot
 * of a root opened within `spareDays` is never removed, so a browsed catalog never loses its
 * thumbnails. A removed file is only a cost: it is made again when asked for.
 *
 * "Used" is the later of a file's mtime and atime. Most file systems update atime at most once a
 * day (relatime), so the order is by day of last use, and by write time where atime is off.
 *
 * Only files named as the cache names them are touched, and folders are never removed (a running
 * catalog creates each shard folder once and then trusts it). Snapshot mirrors are read, never
 * changed.
 */
export async function pruneCache(cacheRoot: string, options: PruneCacheOptions): Promise<PruneCacheReport> {
  const maxBytes = options.maxBytes;
  if (!Number.isFinite(maxBytes) || maxBytes < 0) throw new RangeError(`invalid cache quota ${maxBytes}`);
  const now = options.now ?? Date.now();
  const spareDays = options.spareDays ?? 90;
  const dryRun = options.dryRun ?? false;
  const root = nodePath.resolve(cacheRoot);
  const warnings: string[] = [];

  const spared = await sparedKeys(root, now - spareDays * DAY_MS, warnings);
  const { photos, staleTemps } = await cachedPhotos(root, now);
  let removedTempFiles = 0;
  for (const temp of staleTemps) {
    if (!dryRun) await fsp.rm(temp, { force: true });
    removedTempFiles++;
  }
  // Snapshots and working databases a killed process left in the mirror folders.
  for (const name of await fsp.readdir(root).catch(() => [] as string[])) {
    if (MIRROR_FOLDER.test(name))
      removedTempFiles += (await removeMirrorLeftovers(nodePath.join(root, name), now, dryRun)).length;
  }

  const bytesBefore = photos.reduce((sum, photo) => sum + photo.bytes, 0);
  const isSpared = (photo: CachedPhoto) =>
    photo.shard === 'apple' ? spared.applePhotoIds.has(photo.key) : spared.photoMd5s.has(photo.key);
  let bytes = bytesBefore;
  let sparedBytes = 0;
  let removedPhotos = 0;
  const candidates: CachedPhoto[] = [];
  for (const photo of photos) {
    if (isSpared(photo)) sparedBytes += photo.bytes;
    else candidates.push(photo);
  }
  candidates.sort((a, b) => a.lastUsedMs - b.lastUsedMs);
  for (const photo of candidates) {
    if (bytes <= maxBytes) break;
    if (!dryRun) for (const file of photo.files) await fsp.rm(file, { force: true });
    bytes -= photo.bytes;
    removedPhotos++;
  }
  return {
    cacheRoot: root,
    maxBytes,
    bytesBefore,
    photosBefore: photos.length,
    bytesAfter: bytes,
    removedPhotos,
    removedBytes: bytesBefore - bytes,
    sparedBytes,
    recentRoots: spared.recentRoots,
    removedTempFiles,
    overQuota: bytes > maxBytes,
    warnings,
    dryRun,
  };
}

/**
 * The photos the newest snapshot of each recently opened root lists. A mirror folder's mtime is
 * when its root was last opened (see `Catalog.open`) or a snapshot was last written into it.
 */
async function sparedKeys(root: string, openedSinceMs: number, warnings: string[]) {
  const photoMd5s = new Set<string>();
  const applePhotoIds = new Set<string>();
  let recentRoots = 0;
  for (const name of await fsp.readdir(root).catch(() => [] as string[])) {
    if (!MIRROR_FOLDER.test(name)) continue;
    const mirror = nodePath.join(root, name);
    const info = await fsp.lstat(mirror).catch(() => undefined);
    if (!info?.isDirectory() || info.mtimeMs < openedSinceMs) continue;
    // Read as the catalog reads it when it opens: a pointer it would refuse spares nothing.
    const catalogMd5s =
      (await mirrorStore(mirror)
        .readPointer()
        .catch(() => undefined)) ?? [];
    if (catalogMd5s.length === 0) continue;
    recentRoots++;
    const problems: string[] = [];
    const listed = catalogMd5s.some((md5) => {
      try {
        listPhotos(nodePath.join(mirror, snapshotFileName(md5)), photoMd5s, applePhotoIds);
        return true;
      } catch (error) {
        problems.push(`${md5}: ${describeError(error)}`);
        return false;
      }
    });
    if (!listed) {
      warnings.push(
        `no snapshot of the root mirrored in ${mirror} could be read, so its photos are not spared (${problems.join('; ')})`,
      );
    }
  }
  return { photoMd5s, applePhotoIds, recentRoots };
}

/** Adds the photos a snapshot lists; its values are checked like any untrusted input. */
function listPhotos(file: string, photoMd5s: Set<string>, applePhotoIds: Set<string>): void {
  // SQLite would open a FIFO planted under the snapshot's name and wait on it forever.
  const kind = specialFileKind(lstatSync(file));
  if (kind) throw notRegularFile(kind, 'cache', file);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT photo_md5, external_id FROM entries').raw().iterate() as Iterable<
      [unknown, unknown]
    >;
    for (const [photoMd5, externalId] of rows) {
      if (isMd5(photoMd5)) photoMd5s.add(photoMd5);
      if (isApplePhotoId(externalId)) applePhotoIds.add((externalId as string).toUpperCase());
    }
  } finally {
    db.close();
  }
}

/** Every photo with derived files in the cache, and the temp files of writes long abandoned. */
async function cachedPhotos(root: string, now: number) {
  const byKey = new Map<string, CachedPhoto>();
  const staleTemps: string[] = [];
  // A synchronous lstat per file, a folder at a time: per-file promises cost several times more, and
  // one folder's few hundred files block the thread for a millisecond or two.
  const see = (shard: CacheShard, folder: string, name: string, key: string | undefined) => {
    const file = nodePath.join(folder, name);
    const info = lstatSync(file, { throwIfNoEntry: false });
    if (!info?.isFile()) return;
    if (key === undefined) {
      if (name.startsWith(TEMP_FILE_PREFIX) && info.mtimeMs < now - STALE_LEFTOVER_MS) staleTemps.push(file);
      return;
    }
    const id = `${shard}/${key}`;
    let photo = byKey.get(id);
    if (!photo) {
      photo = { shard, key, files: [], bytes: 0, lastUsedMs: 0 };
      byKey.set(id, photo);
    }
    photo.files.push(file);
    // Space on disk, as du counts it: a 6 KB thumbnail takes a whole block.
    photo.bytes += info.blocks > 0 ? info.blocks * 512 : info.size;
    photo.lastUsedMs = Math.max(photo.lastUsedMs, info.mtimeMs, info.atimeMs);
  };
  const list = (folder: string) => fsp.readdir(folder).catch(() => [] as string[]);

  // Every photo-md5 keyed shard: the first-party ones and any a third-party backend named.
  const shards = (await list(root)).filter((name) => name !== 'apple' && isCacheShardName(name));
  for (const shard of shards) {
    for (const { folder: kind, extension } of CACHED_FILE_KINDS) {
      const kindFolder = nodePath.join(root, shard, kind);
      for (const xx of await list(kindFolder)) {
        if (!SHARD_FOLDER.test(xx)) continue;
        const folder = nodePath.join(kindFolder, xx);
        for (const name of await list(folder)) {
          const key = name.endsWith(extension) ? name.slice(0, -extension.length) : '';
          see(shard, folder, name, isMd5(key) && key.startsWith(xx) ? key : undefined);
        }
      }
    }
  }
  for (const { folder: kind, extension } of CACHED_FILE_KINDS) {
    const folder = nodePath.join(root, 'apple', kind);
    for (const name of await list(folder)) {
      const key = name.endsWith(extension) ? name.slice(0, -extension.length) : '';
      // The cache writes apple ids in upper case; another spelling is not a file it made.
      see('apple', folder, name, isApplePhotoId(key) && key === key.toUpperCase() ? key : undefined);
    }
  }
  return { photos: [...byKey.values()], staleTemps };
}
