/** Types of list-folder.mjs, for the TypeScript that imports it. */

export declare const LISTING_WORKER: 'photolala-list-folder';
export declare const OTHER: 0;
export declare const FILE: 1;
export declare const FOLDER: 2;
export declare const LINK: 3;
export declare const GONE: 4;

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
}

/** Lists `folder` (absolute) with synchronous system calls; throws what `readdir` throws. */
export declare function listFolder(folder: string): FolderListing;
