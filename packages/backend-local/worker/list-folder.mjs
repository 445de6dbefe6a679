// @ts-check
/**
 * The local source's folder listing, run in a worker thread: one `readdir` and a `stat` per file,
 * which is nearly all the cost of a rescan (and, when heads are asked for, an open, `fstat` and read
 * per file instead). Off the main thread, these system calls run on the second core while the
 * catalog compares the previous folder's results.
 *
 * Plain JavaScript so the same file runs from the package's source and from its build.
 */
import { hash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
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

/** States of a request's claim slot, besides the request's own id while it is open. */
export const CLAIMED = -1;
export const WITHDRAWN = -2;

/**
 * @typedef {object} FolderListing
 * @property {string[]} names raw names, as the file system spells them
 * @property {Uint8Array<ArrayBuffer>} kinds one of the kind constants per name
 * @property {Float64Array<ArrayBuffer>} sizes file sizes
 * @property {Float64Array<ArrayBuffer>} mtimes file mtimes, whole milliseconds
 * @property {(string | null)[]} folderIds `dev:ino` of folders, to walk each folder once
 * @property {{ index: number, code: string | undefined, message: string }[]} errors failed stats
 * @property {Uint8Array<ArrayBuffer>} heads when asked for: the files' heads, one after another
 * @property {Uint32Array<ArrayBuffer>} headStarts where each file's head starts in `heads`
 * @property {Int32Array<ArrayBuffer>} headLengths each file's head length, -1 where none was read
 * @property {string} headMd5s when asked for: the MD5s of heads, 32 hex digits each, by entry index,
 *   joined by spaces; empty for an entry without one, and none after the last one computed
 */

/**
 * Heads read along with one listing, at most: a flat folder of 100k photos would otherwise need
 * 400 MB of heads in one buffer. Files past the budget are only stat'ed; their heads are left to the
 * caller's `readHead`.
 */
export const MAX_HEAD_BYTES_PER_LISTING = 4 * 1024 * 1024;

/** A file opened for its head must not block (a FIFO swapped in since the readdir would). */
const OPEN_FOR_HEAD = constants.O_RDONLY | constants.O_NONBLOCK;

/**
 * @param {string} folder absolute path
 * @param {number} headBytes leading bytes of each file to read as well, 0 for none
 * @param {(bytes: number) => Uint8Array<ArrayBuffer>} allocate where the heads go
 * @param {(() => boolean) | undefined} digestHeads when given, the heads' MD5s are computed too, in
 *   entry order, for as long as it returns true (asked before each one)
 * @returns {FolderListing}
 */
export function listFolder(
  folder,
  headBytes = 0,
  allocate = (bytes) => new Uint8Array(bytes),
  digestHeads = undefined,
) {
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
    headMd5s: '',
  };
  /** @type {HeadReader | undefined} */
  let heads;
  if (headBytes > 0) {
    let files = 0;
    for (const dirent of dirents) if (dirent.isFile()) files++;
    heads = new HeadReader(count, headBytes, files, allocate);
  }
  for (let i = 0; i < count; i++) {
    const dirent = /** @type {import('node:fs').Dirent} */ (dirents[i]);
    listing.names[i] = dirent.name;
    const isFile = dirent.isFile();
    if (!isFile && !dirent.isDirectory()) {
      listing.kinds[i] = dirent.isSymbolicLink() ? LINK : OTHER;
      continue;
    }
    // A file whose head is wanted is opened once: fstat on the open file instead of a stat by path
    // (which walks the path again) cut the worker's time on a first scan of 100k files by a tenth.
    if (isFile && heads?.read(listing, i, prefix + dirent.name)) continue;
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
  if (heads) {
    listing.heads = heads.filled();
    listing.headStarts = heads.starts;
    listing.headLengths = heads.lengths;
    if (digestHeads) listing.headMd5s = heads.md5s(digestHeads);
  }
  return listing;
}

/**
 * Reads the heads of a folder's files into one buffer, so that they cross to the main thread in one
 * transfer rather than as a message per file. A head that cannot be read is left out (length -1): the
 * caller reads it itself and reports the error with its own path.
 */
class HeadReader {
  /**
   * @param {number} count entries in the folder
   * @param {number} headBytes
   * @param {number} files regular files among them
   * @param {(bytes: number) => Uint8Array<ArrayBuffer>} allocate
   */
  constructor(count, headBytes, files, allocate) {
    this.headBytes = headBytes;
    this.starts = new Uint32Array(count);
    this.lengths = new Int32Array(count).fill(-1);
    // Room for a whole head of every file (up to the budget): most photos are larger than a head.
    this.buffer = allocate(Math.min(files * headBytes, MAX_HEAD_BYTES_PER_LISTING));
    this.used = 0;
  }

  /**
   * Opens file `index` at `path`, records its stat in `listing` and reads its head. Returns false,
   * having changed nothing, when the budget is spent or the file cannot be opened: the caller then
   * stats it by path (which tells a deleted file from an unreadable one).
   *
   * @param {FolderListing} listing
   * @param {number} index
   * @param {string} path
   */
  read(listing, index, path) {
    if (this.used + this.headBytes > this.buffer.length) return false;
    /** @type {number} */
    let fd;
    try {
      fd = openSync(path, OPEN_FOR_HEAD);
    } catch {
      return false;
    }
    /** @type {import('node:fs').Stats} */
    let info;
    try {
      info = fstatSync(fd);
    } catch {
      closeSync(fd);
      return false;
    }
    try {
      if (!info.isFile()) {
        listing.kinds[index] = OTHER;
        return true;
      }
      listing.kinds[index] = FILE;
      listing.sizes[index] = info.size;
      listing.mtimes[index] = Math.floor(info.mtimeMs);
      const room = Math.min(this.headBytes, info.size);
      let filled = 0;
      // One read normally; loop only for the rare short read. A file that shrank since its fstat
      // gives a shorter head, as readHead would.
      while (filled < room) {
        const read = readSync(fd, this.buffer, this.used + filled, room - filled, filled);
        if (read === 0) break;
        filled += read;
      }
      this.starts[index] = this.used;
      this.lengths[index] = filled;
      this.used += filled;
    } catch {
      // The stat is in; the head is left out, for the caller's readHead to report.
    } finally {
      closeSync(fd);
    }
    return true;
  }

  /** The heads read, one after another. */
  filled() {
    return this.buffer.subarray(0, this.used);
  }

  /**
   * The MD5s of the heads read, in entry order, while `goOn` says so (see FolderListing.headMd5s).
   * @param {() => boolean} goOn
   */
  md5s(goOn) {
    /** @type {string[]} */
    const md5s = [];
    for (let i = 0; i < this.lengths.length; i++) {
      const length = /** @type {number} */ (this.lengths[i]);
      if (length < 0) {
        md5s.push('');
        continue;
      }
      if (!goOn()) break;
      const start = /** @type {number} */ (this.starts[i]);
      md5s.push(hash('md5', this.buffer.subarray(start, start + length), 'hex'));
    }
    return md5s.join(' ');
  }
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
  if (bytes === 0) return new Uint8Array(0);
  const index = spareBuffers.findIndex((buffer) => buffer.byteLength >= bytes);
  if (index < 0) return new Uint8Array(bytes);
  const [buffer] = spareBuffers.splice(index, 1);
  return new Uint8Array(/** @type {ArrayBuffer} */ (buffer), 0, bytes);
}

/**
 * @typedef {{ id: number, folder: string, headBytes: number, headMd5s: boolean } | { spare: ArrayBuffer }} Request
 */

// Only as the local source's worker: imported anywhere else (the source lists small trees in-thread,
// possibly from inside some other worker) this module must not answer that thread's messages.
// Requests come from the parent; replies go back on the port it gave (see FolderLister).
if (workerData?.role === LISTING_WORKER) {
  const replies = /** @type {import('node:worker_threads').MessagePort} */ (workerData.replies);
  const claims = /** @type {Int32Array} */ (workerData.claims);
  const claimSlots = /** @type {number} */ (workerData.claimSlots);
  parentPort?.on('message', (/** @type {Request} */ message) => {
    if ('spare' in message) {
      if (spareBuffers.length < MAX_SPARE_BUFFERS) spareBuffers.push(message.spare);
      return;
    }
    const { id, folder, headBytes, headMd5s } = message;
    // Taken back by the calling thread, which lists the folder itself (FolderLister.withdraw).
    if (Atomics.compareExchange(claims, id % claimSlots, id, CLAIMED) !== id) return;
    // The heads' MD5s are computed here only while no other listing is asked for: this thread then
    // has nothing else to do, and the calling thread, which hashes every head left without one, is
    // behind. Asked for one, it stops hashing and answers, so a listing is never late for them.
    // (Ids are given in order: the next request's slot holds its id until this thread claims it.)
    const nextId = id + 1;
    const idle = () => Atomics.load(claims, nextId % claimSlots) !== nextId;
    try {
      const { names, ...listing } = listFolder(folder, headBytes, headBuffer, headMd5s ? idle : undefined);
      // The names cross as one text, split by the calling thread only when it reads the folder: an
      // array of them costs a clone per name, and the calling thread holds a window of listings at
      // once, which its garbage collector copied name by name while they waited (FolderLister).
      replies.postMessage({ id, listing, names: names.join('\0') }, [
        listing.kinds.buffer,
        listing.sizes.buffer,
        listing.mtimes.buffer,
        listing.heads.buffer,
        listing.headStarts.buffer,
        listing.headLengths.buffer,
      ]);
    } catch (error) {
      const { code, message } = /** @type {NodeJS.ErrnoException} */ (error);
      replies.postMessage({ id, error: { code, message } });
    }
  });
}
