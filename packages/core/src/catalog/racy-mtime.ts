/**
 * The `reason` of an `ok` entry whose mtime was too close to the scan that read it to vouch for its
 * content: on a store with coarse mtimes (FAT, SMB: 2 s) the file could still be edited within the
 * same tick without its mtime moving (git's "racy" entries). The next scan re-hashes it in full.
 * In a module of its own because the scan plan writes it and the entry rows hide it.
 */
export const RACY_MTIME = 'racy-mtime';
