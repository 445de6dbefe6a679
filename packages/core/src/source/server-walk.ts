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
}

/**
 * Walks a file server's folders depth first, yielding files by their NFC paths. A folder that cannot
 * be listed is reported through `onIssue` and skipped, except the root, whose failure is the walk's.
 * The catalog's temp files are never listed; `filter` decides the rest.
 */
export async function* walkServerFolders(
  lister: ServerFolderLister,
  options: EnumerateOptions = {},
): AsyncGenerator<SourceEntry> {
  const { filter, onIssue, signal, tempFiles } = options;
  const stack: Array<{ server: string; rel: string }> = [{ server: '', rel: '' }];
  let first = true;
  while (stack.length > 0) {
    if (signal?.aborted) return;
    const { server, rel } = stack.pop()!;
    let items: ServerFolderItem[];
    try {
      items = await lister.list(server, rel);
    } catch (error) {
      const wrapped = lister.listError(error, rel || '/');
      if (first || lister.isFatal?.(error)) throw wrapped;
      onIssue?.({ path: rel, error: wrapped });
      continue;
    }
    first = false;
    for (const item of items) {
      if (filter && item.hidden) continue;
      const nfc = item.name.normalize('NFC');
      const childRel = joinRelative(rel, nfc);
      const childServer = joinRelative(server, item.name);
      if (item.directory) {
        if (!filter || filter.directory(nfc, childRel)) stack.push({ server: childServer, rel: childRel });
        continue;
      }
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
