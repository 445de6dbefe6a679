import { realpathSync, statSync } from 'node:fs';
import nodePath from 'node:path';
import {
  type EnumerateOptions,
  notRegularFile,
  PhotolalaError,
  type SourceEntry,
  specialFileKind,
  TEMP_FILE_PREFIX,
} from '@photolala/core/backend';
import { BACKEND, localErrors } from './errors.js';
import { EntryKind, type FolderLister, type FolderListing } from './folder-lister.js';
import { ListingWindow } from './listing-window.js';

const NO_FAILED_STATS: ReadonlyMap<number, FolderListing['errors'][number]> = new Map();

/** The root folder a walk starts from, and the test of whether a link's target stays inside it. */
export interface LocalRoot {
  rootDir: string;
  isInsideRoot(real: string): boolean;
}

/**
 * The walk of a local root: one batch of entries per folder, folder by folder with synchronous
 * `readdir`/`stat` calls (on a second thread, see FolderLister): per-file promises cost more than the
 * system calls themselves (about 4x slower on 100k files), and yielding between folders keeps the
 * event loop responsive.
 */
export async function* walkLocalRoot(
  root: LocalRoot,
  lister: FolderLister,
  options: EnumerateOptions,
): AsyncGenerator<SourceEntry[]> {
  const { rootDir, isInsideRoot } = root;
  const { filter, onIssue, signal, tempFiles } = options;
  const report = (path: string, error: unknown, action: string) =>
    onIssue?.({ path, error: localErrors.wrap(error, path, action) });
  // Folders already walked, by device and inode: a link loop or two links to one folder are walked once.
  const visited = new Set<string>();
  // Folders are listed and files stat'ed under the root's real path, resolved once per walk: given
  // through a link, every file's stat would otherwise follow that link again in the kernel.
  let walkDir: string;
  try {
    walkDir = realpathSync(rootDir);
    const info = statSync(walkDir);
    visited.add(`${info.dev}:${info.ino}`);
  } catch (error) {
    throw localErrors.wrap(error, rootDir, 'read root folder');
  }
  const window = new ListingWindow(lister, options.headBytes, options.headMd5);
  window.found({ abs: walkDir, rel: '' });
  window.fill();
  for (let next = window.next(); next; next = window.next()) {
    if (signal?.aborted) return;
    const { folder, listing: pending } = next;
    let listing: FolderListing;
    try {
      listing = await pending;
    } catch (error) {
      if (folder.rel === '') throw localErrors.wrap(error, rootDir, 'read root folder');
      report(folder.rel, error, 'read folder');
      window.fill();
      continue;
    }
    const failedStats =
      listing.errors.length === 0 ? NO_FAILED_STATS : new Map(listing.errors.map((e) => [e.index, e]));
    const headMd5s = window.headMd5sOf(listing);
    const batch: SourceEntry[] = [];
    const { names } = listing;
    // The folder's part of every path, made once: an array joined per file cost an unchanged
    // rescan of 100k files about 10 ms of the walking thread's time.
    const prefix = folder.rel === '' ? '' : `${folder.rel}/`;
    for (let i = 0; i < names.length; i++) {
      const rawName = names[i]!;
      const name = rawName.normalize('NFC');
      const childRel = prefix + name;
      let kind = listing.kinds[i];
      let folderId = listing.folderIds[i] ?? null;
      const failed = failedStats.get(i);
      if (kind === EntryKind.gone) {
        // Node decodes names as UTF-8, so a name in another encoding (a Latin-1 "café" from an old
        // camera or share) arrives with U+FFFD in place of its bytes and names no file: stat says
        // ENOENT, as for a file deleted meanwhile. Paths are text throughout the contract, so such
        // a file cannot be cataloged; it is reported rather than silently left out.
        if (rawName.includes('\uFFFD')) report(childRel, undecodableName(childRel), 'list folder');
        continue;
      }
      if (kind === EntryKind.link) {
        const target = followLink(nodePath.join(folder.abs, rawName), childRel);
        if (!target) continue;
        kind = target.isDirectory() ? EntryKind.folder : target.isFile() ? EntryKind.file : EntryKind.other;
        folderId = `${target.dev}:${target.ino}`;
        if (kind === EntryKind.file) {
          listing.sizes[i] = target.size;
          listing.mtimes[i] = Math.floor(target.mtimeMs);
        }
      }
      if (kind === EntryKind.folder) {
        if (filter && !filter.directory(name, childRel)) continue;
        if (failed) {
          report(childRel, failed, 'stat folder');
          continue;
        }
        if (folderId === null || visited.has(folderId)) continue;
        visited.add(folderId);
        window.found({ abs: nodePath.join(folder.abs, rawName), rel: childRel });
      } else if (kind === EntryKind.other) {
        if (name.startsWith(TEMP_FILE_PREFIX) || (filter && !filter.file(name, childRel))) continue;
        // A FIFO, socket or device is never read (opening a FIFO to read waits for a writer), but
        // said, not silently left out: it may stand where a photo was.
        const what = specialKindOf(nodePath.join(folder.abs, rawName));
        if (what)
          onIssue?.({ path: childRel, error: notRegularFile(what, BACKEND, childRel), skipped: true });
      } else if (kind === EntryKind.file) {
        if (name.startsWith(TEMP_FILE_PREFIX) && !tempFiles) continue;
        if (filter && !filter.file(name, childRel)) continue;
        if (failed) report(childRel, failed, 'stat file');
        else {
          const head = window.headOf(listing, i);
          batch.push({
            path: childRel,
            size: listing.sizes[i]!,
            mtimeMs: listing.mtimes[i]!,
            head,
            headMd5: (head && headMd5s[i]) || undefined,
          });
        }
      }
    }
    window.fill();
    if (batch.length > 0) yield batch;
    // The caller has asked for the entry after this folder's last: its heads are spent.
    window.spent(listing);
  }

  /** What the special file at `abs` is (a link followed), or undefined if it is gone or regular now. */
  function specialKindOf(abs: string) {
    try {
      const info = statSync(abs, { throwIfNoEntry: false });
      return info && specialFileKind(info);
    } catch {
      return 'a special file';
    }
  }

  function undecodableName(childRel: string) {
    return new PhotolalaError(
      'INVALID_PATH',
      'the name is not valid UTF-8 (shown with \uFFFD for the bytes that are not); rename it to catalog it',
      { backend: BACKEND, path: childRel },
    );
  }

  /** The target of a link inside the root, or undefined (reported) for one leading outside or broken. */
  function followLink(childAbs: string, childRel: string) {
    try {
      const real = nodePath.resolve(realpathSync(childAbs));
      if (!isInsideRoot(real)) {
        report(
          childRel,
          new PhotolalaError('INVALID_PATH', 'symbolic link leads outside the root', {
            backend: BACKEND,
            path: childRel,
          }),
          'follow link',
        );
        return undefined;
      }
      return statSync(real);
    } catch (error) {
      report(childRel, error, 'follow link');
      return undefined;
    }
  }
}
