/** Types of list-folder.mjs, for the TypeScript that imports it. */

export declare const LISTING_WORKER: 'photolala-list-folder';
export declare const OTHER: 0;
export declare const FILE: 1;
export declare const FOLDER: 2;
export declare const LINK: 3;
export declare const GONE: 4;
export declare const CLAIMED: -1;
export declare const WITHDRAWN: -2;
/** Heads read along with one listing at most; later files get none (length -1). */
export declare const MAX_HEAD_BYTES_PER_LISTING: number;

/** One folder as listed (see list-folder.mjs). */
export interface FolderListing {
  /** Raw names, as the file system spells them. */
  names: string[];
  kinds: Uint8Array;
  sizes: Float64Array;
  /** Whole milliseconds. */
  mtimes: Float64Array;
  /** `dev:ino` of each folder, to walk a folder reached twice (through links) once. */
  folderIds: (string | null)[];
  /** Entries whose stat failed, with the system error. */
  errors: { index: number; code: string | undefined; message: string }[];
  /** When heads were asked for: every file's head, one after another. */
  heads: Uint8Array;
  /** Where each file's head starts in `heads`. */
  headStarts: Uint32Array;
  /**
   * Each file's head length; -1 where none was read (not a file, the read failed, or the listing's
   * head budget was spent).
   */
  headLengths: Int32Array;
  /**
   * When heads and their MD5s were asked for: the MD5s, 32 lower-case hex digits each, by entry index,
   * joined by spaces; empty for an entry without one, and none after the last one computed.
   */
  headMd5s: string;
}

/**
 * Lists `folder` (absolute) with synchronous system calls, and reads the first `headBytes` bytes of
 * each file when asked, into a buffer from `allocate`; throws what `readdir` throws. With
 * `digestHeads`, the heads' MD5s are computed too, in entry order, while it returns true.
 */
export declare function listFolder(
  folder: string,
  headBytes?: number,
  allocate?: (bytes: number) => Uint8Array,
  digestHeads?: () => boolean,
): FolderListing;
