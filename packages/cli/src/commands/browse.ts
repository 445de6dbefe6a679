import { type Catalog, type EntryKind, entryJson } from '@photolala/core';
import { type OpenOptions, withCatalog } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { entryTest, groupNote, streamItems } from '../list-items.js';
import type { GlobalOptions } from '../options.js';
import type { Output } from '../output.js';

export interface ListOptions {
  json?: boolean;
  starred?: boolean;
  kind?: EntryKind;
  user?: string;
  /** Every file on a line of its own, instead of one line per group. */
  all?: boolean;
  /** At least this many stars (XMP rating). */
  rating?: number;
  /** Only files (or groups) with this XMP keyword, ignoring case. */
  keyword?: string;
}

function browseOptions(user: string | undefined): OpenOptions {
  return { requireCatalog: true, offline: true, ...(user ? { user } : {}) };
}

/** Whether any entry lies under `directory`, whatever the filters (one chunk is read at most). */
function hasEntryUnder(catalog: Catalog, directory: string): boolean {
  for (const chunk of catalog.listChunks({ directory })) if (chunk.length > 0) return true;
  return false;
}

/** `photolala list ROOT [DIRECTORY]`: the entries of the newest valid snapshot. */
export function list(
  out: Output,
  globals: GlobalOptions,
  root: string,
  directory: string | undefined,
  opts: ListOptions,
): Promise<number> {
  return withCatalog(root, globals, out, browseOptions(opts.user), async (catalog) => {
    // As a shell user types it: `./trips/`, `trips/` and `trips` are one folder; `.` and `/`
    // are the root itself.
    const folder = directory?.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
    const filter = {
      ...(folder && folder !== '.' ? { directory: folder } : {}),
      ...(opts.starred ? { starred: true } : {}),
      ...(opts.kind ? { kind: opts.kind } : {}),
    };
    // Printed a chunk at a time as it is read: holding all 100k entries at once cost more in garbage
    // collection than reading them. For --json without a test of each entry, SQLite makes the lines
    // of the entries in no group, which spares building (and collecting) an entry per line. Dates are
    // printed as the catalog holds them: in the one form (see core's taken-at.ts).
    const all = opts.all ?? false;
    const test = entryTest(opts.rating, opts.keyword);
    const items = streamItems(
      out.options.json && !test ? catalog.listJsonChunks(filter) : catalog.listChunks(filter),
      () => catalog.groupedEntries(filter),
      all,
      test,
    );
    const listed = out.listing(items, (item) => {
      const { entry } = item;
      if (out.options.json) {
        const members = item.members.map((m) => ({ path: m.path, role: m.role }));
        const json = entryJson(entry);
        return JSON.stringify(members.length > 0 ? { ...json, members } : json);
      }
      const star = entry.starred ? '*' : ' ';
      // A file whose digest failed has no date or size to show; it says so, and why.
      const failed = entry.status === 'failed';
      const when = failed ? 'failed' : (entry.takenAt ?? '-');
      const size = entry.width && entry.height ? `${entry.width}x${entry.height}` : '-';
      const why = failed && entry.reason ? `  (${entry.reason})` : '';
      const group = groupNote(item);
      return out.resultLine(
        `${star} ${entry.kind.padEnd(5)} ${when.padEnd(29)} ${size.padEnd(11)} ${entry.path}${why}${group ? `  (${group})` : ''}`,
      );
    });
    if (listed === 0 && filter.directory && !hasEntryUnder(catalog, filter.directory)) {
      // A mistyped folder is an error, not an empty one.
      out.error(
        `no entry of the catalog lies under ${filter.directory} (is the path right? paths are relative to the root)`,
      );
      return EXIT.failure;
    }
    // Said on stderr, so that stdout stays empty for scripts.
    if (listed === 0) out.info(`nothing to list${filter.directory ? ` under ${filter.directory}` : ''}`);
    return EXIT.ok;
  });
}

/** `photolala thumbnail ROOT ID`: the path of the cached thumbnail, made if missing. */
export function thumbnail(
  out: Output,
  globals: GlobalOptions,
  root: string,
  id: string,
  opts: { user?: string },
): Promise<number> {
  return withCatalog(root, globals, out, browseOptions(opts.user), async (catalog) => {
    out.result(await catalog.thumbnail(id));
    return EXIT.ok;
  });
}

/** `photolala metadata ROOT ID`: the path of the metadata document, or with `--print` the entry's document. */
export function metadata(
  out: Output,
  globals: GlobalOptions,
  root: string,
  id: string,
  opts: { print?: boolean; user?: string },
): Promise<number> {
  return withCatalog(root, globals, out, browseOptions(opts.user), async (catalog) => {
    const file = await catalog.metadata(id);
    // Printed, the document is the entry's: its XMP sidecar's values over the photo's own, with
    // `sidecar` and `sources`; the file is the photo's, shared by every copy of it.
    if (opts.print) out.document(JSON.stringify(await catalog.metadataDocument(id), null, 2));
    else out.result(file);
    return EXIT.ok;
  });
}
