import { promises as fsp } from 'node:fs';
import nodePath from 'node:path';
import { TEMP_FILE_PREFIX } from '../enumerate-filter.js';

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

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists, but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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
    if (pid !== undefined && processAlive(Number(pid))) continue;
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
