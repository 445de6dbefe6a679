import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { CACHE_SHARDS } from '../cache/cache.js';
import { makeFolder } from '../source/make-folder.js';
import { removeMirrorLeftovers, WORK_FILE_PREFIX } from './leftovers.js';

// The working file: a disposable SQLite file per process in the root's mirror folder, which the
// catalog writes to and publishes snapshots from.

/** A new working-file path in the mirror folder, unique to this process. */
export function newWorkFilePath(mirrorDir: string): string {
  return nodePath.join(
    mirrorDir,
    `${WORK_FILE_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}.sqlite`,
  );
}

/**
 * The folders of a cache that lies inside a `file://` root, relative to the root: the cache root
 * itself, or its shards when the cache root is the root. Only a local root can hold the cache; for
 * any other URI, or a cache outside the root, there are none. `rootUri` is a source's canonical URI,
 * already parsed and made canonical when the root was opened: only its path is taken from it.
 */
export function cacheFoldersUnderRoot(rootUri: string, cacheRoot: string): string[] {
  if (!rootUri.startsWith('file:')) return [];
  let root: string;
  try {
    root = fileURLToPath(rootUri);
  } catch {
    return [];
  }
  const relative = nodePath.relative(root, cacheRoot);
  if (relative === '') return CACHE_SHARDS.slice();
  if (relative.startsWith('..') || nodePath.isAbsolute(relative)) return [];
  return [relative.split(nodePath.sep).join('/').normalize('NFC')];
}

/**
 * A fresh working-database path in the root's mirror folder (local disk, next to the snapshots).
 * Temp files a crashed process left there are removed on the way (see removeMirrorLeftovers).
 */
export async function prepareWorkFile(mirrorDir: string): Promise<string> {
  await makeFolder(mirrorDir);
  await removeMirrorLeftovers(mirrorDir);
  return newWorkFilePath(mirrorDir);
}

export async function removeWorkFile(file: string): Promise<void> {
  for (const suffix of ['', '-journal', '-wal', '-shm']) await fsp.rm(`${file}${suffix}`, { force: true });
}
