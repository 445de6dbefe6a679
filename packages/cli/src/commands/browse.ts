import { readFile } from 'node:fs/promises';
import type { EntryKind } from '@photolala/core';
import { type OpenOptions, withCatalog } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { GlobalOptions } from '../options.js';
import type { Output } from '../output.js';
import { entryJson } from '../render.js';

export interface ListOptions {
  json?: boolean;
  starred?: boolean;
  kind?: EntryKind;
  user?: string;
}

function browseOptions(user: string | undefined): OpenOptions {
  return { requireCatalog: true, offline: true, ...(user ? { user } : {}) };
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
    // list() reads whole chunks (the stored listing when it is current): faster than a row at a time.
    const listed = out.listing(catalog.list(filter), (entry) => {
      if (out.options.json) return JSON.stringify(entryJson(entry));
      const star = entry.starred ? '*' : ' ';
      // A file whose digest failed has no date or size to show; it says so, and why.
      const failed = entry.status === 'failed';
      const when = failed ? 'failed' : (entry.takenAt ?? '-');
      const size = entry.width && entry.height ? `${entry.width}x${entry.height}` : '-';
      const why = failed && entry.reason ? `  (${entry.reason})` : '';
      return out.resultLine(
        `${star} ${entry.kind.padEnd(5)} ${when.padEnd(29)} ${size.padEnd(11)} ${entry.path}${why}`,
      );
    });
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

/** `photolala metadata ROOT ID`: the path of the metadata document, or with `--print` its content. */
export function metadata(
  out: Output,
  globals: GlobalOptions,
  root: string,
  id: string,
  opts: { print?: boolean; user?: string },
): Promise<number> {
  return withCatalog(root, globals, out, browseOptions(opts.user), async (catalog) => {
    const file = await catalog.metadata(id);
    if (opts.print) out.document((await readFile(file, 'utf8')).trimEnd());
    else out.result(file);
    return EXIT.ok;
  });
}
