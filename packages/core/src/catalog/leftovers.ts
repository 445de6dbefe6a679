import { promises as fsp } from 'node:fs';
import nodePath from 'node:path';
import { TEMP_FILE_PREFIX } from '../source/enumerate-filter.js';
import type { RootSource } from '../source/root-source.js';
import { processRunning } from './process-running.js';
import { SNAPSHOT_NAME } from './snapshot-store.js';

/**
 * How old a temp file must be before it counts as a crash's leftover. Another live process may be
 * writing one (a snapshot being serialised or downloaded into the mirror, a cache file, an upload's
 * temp name in the root): those writes take seconds to minutes, and a write in progress keeps moving
 * the file's mtime, so an hour without a change means nobody is writing it.
 */
export const STALE_LEFTOVER_MS = 3600 * 1000;

/** Working databases: a live process holds one open for hours without writing it (a gallery). */
export const WORK_FILE_PREFIX = `${TEMP_FILE_PREFIX}work-`;

/**
 * The exact names the catalog gives its temp files in a mirror folder: `writeFileAtomic`'s and the
 * cache's (`.photolala-tmp-{hex}`), snapshots being written or copied in (`….sqlite`), working
 * databases (`.photolala-tmp-work-{pid}-{hex}.sqlite`), the write probe's, and SQLite's journals of
 * any of them. Nothing else in a folder is ever removed as a leftover, whatever its age.
 */
const MIRROR_TEMP_NAME = /^\.photolala-tmp-[0-9a-z]+(?:-[0-9a-z]+)*(?:\.sqlite)?(?:-journal|-wal|-shm)?$/;
const WORK_FILE_PID = /^\.photolala-tmp-work-(\d+)-/;

/**
 * Removes from a mirror folder the temp files a killed process left: regular files named exactly as
 * the catalog names its temp files and unchanged for `STALE_LEFTOVER_MS`, except a working database
 * whose process is still running. The lock file, snapshots, pointers and journals of stars are
 * never touched. Returns the files removed (or that would be, with `dryRun`).
 */
export async function removeMirrorLeftovers(
  mirrorDir: string,
  now = Date.now(),
  dryRun = false,
): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await fsp.readdir(mirrorDir).catch(() => [] as string[])) {
    if (!MIRROR_TEMP_NAME.test(name)) continue;
    const pid = WORK_FILE_PID.exec(name)?.[1];
    if (pid !== undefined && processRunning(Number(pid))) continue;
    const file = nodePath.join(mirrorDir, name);
    const info = await fsp.lstat(file).catch(() => undefined);
    if (!info?.isFile() || info.mtimeMs > now - STALE_LEFTOVER_MS) continue;
    if (
      !dryRun &&
      !(await fsp.rm(file, { force: true }).then(
        () => true,
        () => false,
      ))
    )
      continue;
    removed.push(file);
  }
  return removed;
}

/** A temp file or snapshot met at the top of a root by a scan's listing, with its mtime. */
export interface RootCatalogFile {
  path: string;
  mtimeMs: number;
}

/**
 * Whether a file at the top of a root is one of the catalog's own that a killed process may have left:
 * a temp file of `writeAtomic` (named as in the mirror) or a snapshot. A scan lists these, though it
 * catalogs neither, for `removeRootLeftovers`.
 */
export function isRootCatalogFile(name: string): boolean {
  return MIRROR_TEMP_NAME.test(name) || SNAPSHOT_NAME.test(name);
}

/** SQLite's header: a snapshot's generation is the user version at offset 60 (see snapshotGeneration). */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const GENERATION_OFFSET = 60;

/** What a root's leftovers are judged against: the catalog as just published. */
export interface PublishedState {
  /** Catalog-md5s the root's and the mirror's pointers name: never removed. */
  named: ReadonlySet<string>;
  /** The published snapshot's generation: an orphan is stale only when its own is lower. */
  generation: number;
  /** Whether the root's pointer now names the published snapshot; else no snapshot is removed. */
  rootPointerCurrent: boolean;
}

/**
 * Removes from the top of a root what a killed process left there, among `files` (met by the scan's
 * listing): temp files of `writeAtomic` (an upload killed before its rename: tens of MB at 100,000
 * photos), and snapshots no pointer names (a `star` killed between the snapshot and the pointer), each
 * unchanged for `STALE_LEFTOVER_MS`. A snapshot goes only when the root's pointer names the catalog
 * just published and the snapshot's generation is lower: it holds nothing newer that a merge or the
 * adoption of the newest snapshot file could still want. A file whose header is not SQLite's is no
 * snapshot anyone can load. A source without `remove` (a read-only root) is left alone. Failures to
 * remove are ignored: the next scan tries again. Returns the paths removed.
 */
export async function removeRootLeftovers(
  source: RootSource,
  files: readonly RootCatalogFile[],
  published: PublishedState,
  now = Date.now(),
): Promise<string[]> {
  if (!source.remove || !source.capabilities.writable) return [];
  const removed: string[] = [];
  for (const file of files) {
    if (file.path.includes('/') || file.mtimeMs > now - STALE_LEFTOVER_MS) continue;
    const md5 = SNAPSHOT_NAME.exec(file.path)?.[1];
    if (md5 !== undefined) {
      if (!published.rootPointerCurrent || published.named.has(md5)) continue;
      const generation = await snapshotFileGeneration(source, file.path);
      if (generation === undefined || generation >= published.generation) continue;
    } else if (!MIRROR_TEMP_NAME.test(file.path)) continue;
    const gone = await source.remove(file.path).then(
      () => true,
      () => false,
    );
    if (gone) removed.push(file.path);
  }
  return removed;
}

/**
 * The generation a root's snapshot file records, -1 when it is no SQLite file at all, or undefined
 * when it cannot be read (then it is kept).
 */
async function snapshotFileGeneration(source: RootSource, path: string): Promise<number | undefined> {
  let head: Buffer;
  try {
    head = await source.readHead(path, GENERATION_OFFSET + 4);
  } catch {
    return undefined;
  }
  if (head.length < GENERATION_OFFSET + 4 || !head.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC))
    return -1;
  return head.readUInt32BE(GENERATION_OFFSET);
}
