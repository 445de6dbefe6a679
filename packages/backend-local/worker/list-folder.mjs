// @ts-check
/**
 * The local source's folder listing, run in a worker thread: one `readdir` and a `stat` per file,
 * which is nearly all the cost of a rescan. Off the main thread, these system calls run on the
 * second core while the catalog compares the previous folder's results.
 *
 * Plain JavaScript so the same file runs from the package's source and from its build.
 */
import { readdirSync, statSync } from 'node:fs';
import nodePath from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

/** The `workerData` this module is started with as a worker. */
export const LISTING_WORKER = 'photolala-list-folder';

/** Kinds of folder entries, as sent in `kinds`. */
export const OTHER = 0;
export const FILE = 1;
export const FOLDER = 2;
export const LINK = 3;
/** Listed, but gone before its stat: deleted meanwhile. */
export const GONE = 4;

/**
 * @typedef {object} FolderListing
 * @property {string[]} names raw names, as the file system spells them
 * @property {Uint8Array} kinds one of the kind constants per name
 * @property {Float64Array} sizes file sizes
 * @property {Float64Array} mtimes file mtimes, whole milliseconds
 * @property {(string | null)[]} folderIds `dev:ino` of folders, to walk each folder once
 * @property {{ index: number, code: string | undefined, message: string }[]} errors failed stats
 */

/**
 * @param {string} folder absolute path
 * @returns {FolderListing}
 */
export function listFolder(folder) {
  const dirents = readdirSync(folder, { withFileTypes: true });
  // `folder` is absolute and normal and names hold no separator, so plain concatenation is enough
  // (path.join would normalise every path again: a quarter of the listing's cost).
  const prefix = folder.endsWith(nodePath.sep) ? folder : folder + nodePath.sep;
  const count = dirents.length;
  /** @type {FolderListing} */
  const listing = {
    names: new Array(count),
    kinds: new Uint8Array(count),
    sizes: new Float64Array(count),
    mtimes: new Float64Array(count),
    folderIds: new Array(count).fill(null),
    errors: [],
  };
  for (let i = 0; i < count; i++) {
    const dirent = /** @type {import('node:fs').Dirent} */ (dirents[i]);
    listing.names[i] = dirent.name;
    const isFile = dirent.isFile();
    if (!isFile && !dirent.isDirectory()) {
      listing.kinds[i] = dirent.isSymbolicLink() ? LINK : OTHER;
      continue;
    }
    try {
      const info = statSync(prefix + dirent.name);
      if (isFile) {
        listing.kinds[i] = FILE;
        listing.sizes[i] = info.size;
        listing.mtimes[i] = Math.floor(info.mtimeMs);
      } else {
        listing.kinds[i] = FOLDER;
        listing.folderIds[i] = `${info.dev}:${info.ino}`;
      }
    } catch (error) {
      const { code, message } = /** @type {NodeJS.ErrnoException} */ (error);
      if (code === 'ENOENT') listing.kinds[i] = GONE;
      else {
        listing.kinds[i] = isFile ? FILE : FOLDER;
        listing.errors.push({ index: i, code, message });
      }
    }
  }
  return listing;
}

// Only as the local source's worker: imported anywhere else (the source lists small trees in-thread,
// possibly from inside some other worker) this module must not answer that thread's messages.
if (workerData === LISTING_WORKER)
  parentPort?.on('message', (/** @type {{ id: number, folder: string }} */ { id, folder }) => {
    try {
      const listing = listFolder(folder);
      parentPort?.postMessage({ id, listing }, [
        listing.kinds.buffer,
        listing.sizes.buffer,
        listing.mtimes.buffer,
      ]);
    } catch (error) {
      const { code, message } = /** @type {NodeJS.ErrnoException} */ (error);
      parentPort?.postMessage({ id, error: { code, message } });
    }
  });
