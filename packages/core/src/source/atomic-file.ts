import { randomBytes } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import nodePath from 'node:path';
import { TEMP_FILE_PREFIX } from './enumerate-filter.js';
import { makeFolder } from './make-folder.js';

/**
 * Writes a local file (from bytes, or as a copy of another local file) so that readers see the old
 * bytes or the new bytes, never a mix: a temp file in the same folder (same file system, so the
 * rename is atomic), fsync, rename over the target, then fsync of the folder so the rename survives a
 * power cut. The temp file is removed on failure.
 * Errors are the raw Node.js errors; callers wrap them with their backend name.
 */
export async function writeFileAtomic(target: string, data: Uint8Array | { copyOf: string }): Promise<void> {
  const dir = nodePath.dirname(target);
  const temp = nodePath.join(dir, `${TEMP_FILE_PREFIX}${randomBytes(6).toString('hex')}`);
  try {
    await makeFolder(dir);
    // `copyOf` copies a local file in the kernel (large snapshots never pass through memory).
    if ('copyOf' in data) await fsp.copyFile(data.copyOf, temp, constants.COPYFILE_EXCL);
    const handle = await fsp.open(temp, 'copyOf' in data ? 'r+' : 'wx', 0o644);
    try {
      if (!('copyOf' in data)) await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(temp, target);
  } catch (error) {
    await fsp.rm(temp, { force: true }).catch(() => {});
    throw error;
  }
  try {
    const dirHandle = await fsp.open(dir, constants.O_RDONLY);
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  } catch {
    // Some platforms cannot open or fsync a folder; the rename is still atomic there.
  }
}
