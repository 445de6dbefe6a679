// @ts-check
/**
 * The local source's folder listing, run in a worker thread: one `readdir` and a `stat` per file,
 * which is nearly all the cost of a rescan. Off the main thread, these system calls run on the
 * second core while the catalog compares the previous folder's results.
 *
 * Plain JavaScript so the same file runs from the package's source and from its build.
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
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
 * @property {Uint8Array} heads when asked for: the files' heads, one after another
 * @property {Uint32Array} headStarts where each file's head starts in `heads`
 * @property {Int32Array} headLengths each file's head length, -1 where none was read
 */

/**
 * @param {string} folder absolute path
 * @param {number} headBytes leading bytes of each file to read as well, 0 for none
 * @param {(bytes: number) => Uint8Array} allocate where the heads go
 * @returns {FolderListing}
 */
export function listFolder(folder, headBytes = 0, allocate = (bytes) => new Uint8Array(bytes)) {
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
    heads: new Uint8Array(0),
    headStarts: new Uint32Array(0),
    headLengths: new Int32Array(0),
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
  if (headBytes > 0) readHeads(listing, prefix, headBytes, allocate);
  return listing;
}

/**
 * Reads the head of every file listed into one buffer, so that a folder's heads cross to the main
 * thread in one transfer rather than as a message per file. A head that cannot be read is left out
 * (length -1): the caller reads it itself and reports the error with its own path.
 *
 * @param {FolderListing} listing
 * @param {string} prefix the folder's path with a trailing separator
 * @param {number} headBytes
 * @param {(bytes: number) => Uint8Array} allocate
 */
function readHeads(listing, prefix, headBytes, allocate) {
  const count = listing.names.length;
  const starts = new Uint32Array(count);
  const lengths = new Int32Array(count).fill(-1);
  let total = 0;
  for (let i = 0; i < count; i++) {
    if (listing.kinds[i] !== FILE) continue;
    starts[i] = total;
    total += Math.min(headBytes, /** @type {number} */ (listing.sizes[i]));
  }
  const heads = allocate(total);
  for (let i = 0; i < count; i++) {
    if (listing.kinds[i] !== FILE) continue;
    const start = /** @type {number} */ (starts[i]);
    const room = Math.min(headBytes, /** @type {number} */ (listing.sizes[i]));
    if (room === 0) {
      // An empty file's head is empty: no need to open it.
      lengths[i] = 0;
      continue;
    }
    /** @type {number | undefined} */
    let fd;
    try {
      fd = openSync(prefix + listing.names[i], 'r');
      let filled = 0;
      // One read normally; loop only for the rare short read. A file that shrank since its stat
      // gives a shorter head, as readHead would.
      while (filled < room) {
        const read = readSync(fd, heads, start + filled, room - filled, filled);
        if (read === 0) break;
        filled += read;
      }
      lengths[i] = filled;
    } catch {
      // Left for the caller's readHead, which reports it.
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
  listing.heads = heads;
  listing.headStarts = starts;
  listing.headLengths = lengths;
}

/**
 * Head buffers handed back by the main thread once their folder was consumed, to be filled again:
 * without them every folder's heads are a new buffer that the main thread's garbage collector frees
 * late (external memory), which added 50-70 MB to the peak of a first scan of 100k files.
 * @type {ArrayBuffer[]}
 */
const spareBuffers = [];
const MAX_SPARE_BUFFERS = 64;

/** @param {number} bytes */
function headBuffer(bytes) {
  const index = spareBuffers.findIndex((buffer) => buffer.byteLength >= bytes);
  if (index < 0) return new Uint8Array(bytes);
  const [buffer] = spareBuffers.splice(index, 1);
  return new Uint8Array(/** @type {ArrayBuffer} */ (buffer), 0, bytes);
}

/**
 * @typedef {{ id: number, folder: string, headBytes: number } | { spare: ArrayBuffer }} Request
 */

// Only as the local source's worker: imported anywhere else (the source lists small trees in-thread,
// possibly from inside some other worker) this module must not answer that thread's messages.
if (workerData === LISTING_WORKER)
  parentPort?.on('message', (/** @type {Request} */ message) => {
    if ('spare' in message) {
      if (spareBuffers.length < MAX_SPARE_BUFFERS) spareBuffers.push(message.spare);
      return;
    }
    const { id, folder, headBytes } = message;
    try {
      const listing = listFolder(folder, headBytes, headBuffer);
      parentPort?.postMessage({ id, listing }, [
        listing.kinds.buffer,
        listing.sizes.buffer,
        listing.mtimes.buffer,
        listing.heads.buffer,
        listing.headStarts.buffer,
        listing.headLengths.buffer,
      ]);
    } catch (error) {
      const { code, message } = /** @type {NodeJS.ErrnoException} */ (error);
      parentPort?.postMessage({ id, error: { code, message } });
    }
  });
