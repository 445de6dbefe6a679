import { TEMP_FILE_PREFIX } from './enumerate-filter.js';
import type { PhotolalaError } from './errors.js';
import { joinRelative } from './paths.js';
import type { EnumerateOptions, SourceEntry } from './root-source.js';
import type { ServerSpellings } from './server-spellings.js';

/** One item of a folder as a file server lists it. */
export interface ServerFolderItem {
  /** The name as the server spells it (NFD from macOS clients); names that cannot be paths left out. */
  name: string;
  directory: boolean;
  /** Marked hidden or system by the server itself (SMB attributes): left out by a catalog's filter. */
  hidden?: boolean;
  /** For a file: what its entry carries besides the path. */
  size: number;
  mtimeMs: number;
  etag?: string;
}

/** How a backend lists one folder of a file server (SMB, WebDAV), for {@link walkServerFolders}. */
export interface ServerFolderLister {
  /** The items of a folder given as the server spells it ('' for the root); `folder` is its NFC path. */
  list(serverFolder: string, folder: string): Promise<ServerFolderItem[]>;
  /** The coded error for a folder that could not be listed. */
  listError(error: unknown, folder: string): PhotolalaError;
  /** Failures that end the walk wherever they happen (a dropped connection), not only at the root. */
  isFatal?(error: unknown): boolean;
  /** Where the server's spelling of every file listed is kept, for reading it later by its NFC path. */
  spellings: ServerSpellings;
  /** Folders listed at once (default 4); 1 lists one folder at a time. */
  concurrency?: number;
}

type Listing = { items: ServerFolderItem[] } | { error: unknown };

/**
 * Walks a file server's folders depth first, yielding files by their NFC paths. A folder that cannot
 * be listed is reported through `onIssue` and skipped, except the root, whose failure is the walk's.
 * The catalog's temp files are never listed; `filter` decides the rest.
 *
 * Each listing is a round trip, and a server answers several at once far sooner than one after
 * another: the folders next in line are listed ahead, up to `concurrency` at a time, while the order
 * of what is yielded (and of issues reported) stays that of a walk listing one folder at a time.
 */
export async function* walkServerFolders(
  lister: ServerFolderLister,
  options: EnumerateOptions = {},
): AsyncGenerator<SourceEntry> {
  const { filter, onIssue, signal, tempFiles } = options;
  const ahead = Math.max(1, lister.concurrency ?? 4);
  type Folder = { server: string; rel: string; listing?: Promise<Listing> };
  /** Folders on the stack whose listing has started. */
  let started = 0;
  const start = (folder: Folder) => {
    if (folder.listing) return;
    started++;
    folder.listing = lister.list(folder.server, folder.rel).then(
      (items) => ({ items }),
      (error: unknown) => ({ error }),
    );
  };
  /** The next folders to walk are the top of the stack: their listings start while this one is handled. */
  const listAhead = () => {
    for (let i = stack.length - 1; i >= 0 && started < ahead; i--) start(stack[i]!);
  };
  const stack: Folder[] = [{ server: '', rel: '' }];
  let first = true;
  while (stack.length > 0) {
    if (signal?.aborted) return;
    listAhead();
    const folder = stack.pop()!;
    start(folder);
    started--;
    const { rel, server } = folder;
    const listing = await folder.listing!;
    if ('error' in listing) {
      const wrapped = lister.listError(listing.error, rel || '/');
      if (first || lister.isFatal?.(listing.error)) throw wrapped;
      onIssue?.({ path: rel, error: wrapped });
      continue;
    }
    first = false;
    const items = filter ? listing.items.filter((item) => !item.hidden) : listing.items;
    // The subfolders go on the stack before the files are yielded, so their listings are under way
    // while the consumer takes this folder's files.
    for (const item of items) {
      if (!item.directory) continue;
      const nfc = item.name.normalize('NFC');
      const childRel = joinRelative(rel, nfc);
      if (!filter || filter.directory(nfc, childRel))
        stack.push({ server: joinRelative(server, item.name), rel: childRel });
    }
    listAhead();
    for (const item of items) {
      if (item.directory) continue;
      const nfc = item.name.normalize('NFC');
      const childRel = joinRelative(rel, nfc);
      const childServer = joinRelative(server, item.name);
      if ((nfc.startsWith(TEMP_FILE_PREFIX) && !tempFiles) || (filter && !filter.file(nfc, childRel)))
        continue;
      lister.spellings.remember(childRel, childServer);
      yield {
        path: childRel,
        size: item.size,
        mtimeMs: item.mtimeMs,
        ...(item.etag !== undefined ? { etag: item.etag } : {}),
      };
    }
  }
}
